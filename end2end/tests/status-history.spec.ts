import { test, expect } from '@playwright/test';
import { hydrated } from './helpers';

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('customers browse the incident history by month and read each incident', async ({ page }) => {
    await page.goto('/status');
    // the feeds are announced for feed readers
    await expect(page.locator('head link[rel="alternate"][type="application/rss+xml"]')).toHaveAttribute('href', '/status/history.rss');
    await expect(page.locator('head link[rel="alternate"][type="application/atom+xml"]')).toHaveAttribute('href', '/status/history.atom');
    await page.getByRole('link', { name: 'Incident history' }).click();
    await expect(page).toHaveURL(/\/status\/history$/);
    const list = page.getByTestId('history');
    const resolved = list.locator('li', { hasText: 'Slow search suggestions' });
    await expect(resolved).toContainText('Resolved');
    await expect(list).toContainText('Checkout failures');

    await resolved.getByRole('link', { name: 'Slow search suggestions' }).click();
    await expect(page).toHaveURL(/\/status\/incidents\/[a-z2-7]{12}$/);
    const updates = page.locator('.public-update');
    await expect(updates).toHaveCount(2);
    await expect(updates.first()).toContainText('Resolved — Search suggestions are fast again.');
    await expect(updates.nth(1)).toContainText('Investigating — Search suggestions are slow for some customers.');

    // an empty month links forward to the current one; each month has an address of its own
    await page.goto('/status/history/2020-01');
    await expect(page.getByTestId('no-incidents')).toBeVisible();
    await page.locator('a[rel="next"]').click();
    await expect(page).toHaveURL(/\/status\/history\/\d{4}-\d{2}$/);
    await expect(page.getByTestId('history')).toContainText('Slow search suggestions');

    // bad addresses get a clear answer and the right status
    const bad = await page.goto('/status/history?month=2026-13');
    expect(bad?.status()).toBe(400);
    await expect(page.getByRole('alert')).toContainText('is not a month');
    const missing = await page.goto('/status/incidents/p999999');
    expect(missing?.status()).toBe(404);

    // the internal side of these incidents stays internal
    for (const path of ['/status/history', '/status/history.rss', '/status/history.atom']) {
      const body = await (await page.request.get(path)).text();
      for (const secret of ['Checkout errors', 'Search suggestions slow', '502s come from the payments upstream', 'Ben Okafor']) {
        expect(body, path).not.toContain(secret);
      }
    }
  });
});

test('the history page hydrates and pages by month in the browser', async ({ page }) => {
  await page.goto('/status/history?month=2020-01');
  await hydrated(page);
  await page.locator('a[rel="next"]').click();
  await expect(page).toHaveURL(/\/status\/history\/\d{4}-\d{2}$/);
  await expect(page.getByTestId('history')).toContainText('Slow search suggestions');
  await expect(page.locator('a[rel="prev"]')).toHaveCount(0);
});
