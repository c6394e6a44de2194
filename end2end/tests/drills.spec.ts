import { test, expect } from '@playwright/test';
import { BEN, declare, signIn } from './helpers';

test('a drill is marked DRILL wherever it appears, tells nobody, stays off the status page and out of the metrics', async ({ page }) => {
  const crashes: string[] = [];
  page.on('pageerror', (e) => crashes.push(e.message));
  await signIn(page, BEN);
  const before = await (await page.request.get('/insights.json')).json();
  const publicBefore = await (await page.request.get('/api/v2/incidents.json')).json();

  // a SEV1 with data exposed would tell the executives and security; a drill tells nobody
  const title = `Drill: database failover ${Date.now()}`;
  const path = await declare(page, title, ['No', 'Yes'], ['Checkout'], undefined, true);
  await expect(page.getByTestId('drill-banner')).toContainText('DRILL');
  const timeline = page.getByTestId('timeline');
  await expect(timeline).toContainText(`DRILL: declared "${title}" as SEV1`);
  await expect(timeline).not.toContainText('notified');
  await expect(page.getByTestId('public-update')).toContainText('never reaches the public status page');

  // on the list
  await page.goto('/incidents');
  const row = page.getByTestId('incident-list').locator('tr', { hasText: title });
  await expect(row.getByTestId('drill')).toHaveText('DRILL');
  await row.getByRole('link', { name: title }).click();
  await page.waitForURL((u) => u.pathname === path);

  // in no metric, only set beside the real incidents; not on the public page
  const after = await (await page.request.get('/insights.json')).json();
  expect(after.response[0].incidents).toBe(before.response[0].incidents);
  await page.goto('/insights');
  await expect(page.getByTestId('drills').locator('tr', { hasText: title })).toBeVisible();
  await expect(page.getByTestId('drills').locator('tr[data-name="real"]')).toContainText('Real incidents (median)');
  await page.goto(path);
  const publicAfter = await (await page.request.get('/api/v2/incidents.json')).json();
  expect(publicAfter.incidents.length).toBe(publicBefore.incidents.length);
  expect(JSON.stringify(publicAfter)).not.toContain(title);
  expect(crashes).toEqual([]);
});
