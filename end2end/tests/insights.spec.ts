import { test, expect } from '@playwright/test';
import { VIC, signIn } from './helpers';

test('the response metrics read at a glance: a period picked, a bar pointed at, the same figures downloaded', async ({ page }) => {
  const crashes: string[] = [];
  page.on('pageerror', (e) => crashes.push(e.message));
  await signIn(page, VIC, '/insights');
  await expect(page.getByRole('heading', { name: 'Response metrics' })).toBeVisible();
  await expect(page.getByTestId('period')).toContainText('(30 days)');

  // the demo's two incidents of the last 30 days, as the JSON export counts them too
  const all = page.getByTestId('response').locator('tr[data-group="all"]');
  const shown = Number((await all.getByTestId('incidents').innerText()).trim().split(/\s/)[0]);
  expect(shown).toBeGreaterThanOrEqual(2);
  const json = await (await page.request.get('/insights.json')).json();
  expect(json.response[0].name).toBe('All');
  expect(json.response[0].incidents).toBe(shown);
  // the resolved one has a time to resolve
  await expect(all.getByTestId('mttr')).not.toHaveText('—');

  // severity calibration: a row per severity, and the SEV1s worth a second look (or none)
  await expect(page.getByTestId('calibration').locator('tbody tr')).toHaveCount(4);
  await expect(page.getByTestId('doubtful-sev1s')).toBeVisible();

  // charts are SVG described in words; pointing at a bar (or tabbing to it) reads its value out
  const chart = page.getByTestId('chart-count');
  await expect(chart.locator('svg desc')).toContainText('SEV2:');
  await chart.locator('g.bar-now').first().locator('text').hover();
  await expect(chart.getByTestId('chart-readout')).toContainText('SEV1, this period:');
  await chart.locator('g.bar-before').nth(1).focus();
  await expect(chart.getByTestId('chart-readout')).toContainText('SEV2, previous period:');

  // a shorter period
  await page.getByLabel('Last').selectOption('7');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/days=7/);
  await expect(page.getByTestId('period')).toContainText('(7 days)');
  const href = await page.getByTestId('export-csv').getAttribute('href');
  expect(href).toBe('/insights.csv?days=7');
  const csv = await (await page.request.get(href!)).text();
  expect(csv.split('\n')[0]).toBe('section,group_by,name,figure,value');
  expect(csv).toContain(`response,all,All,incidents,${shown}`);
  expect(csv).toMatch(/\ncalibration,severity,SEV2,declared,\d+\n/);

  // a period that is not one says why
  await page.goto('/insights?from=2026-11-30&to=2026-11-01');
  await expect(page.getByRole('alert')).toContainText('before');
  expect(crashes).toEqual([]);
});
