import { test, expect } from '@playwright/test';
import { hydrated } from './helpers';

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('anyone can read the status page: overall status, groups, components and 90 days each', async ({ page }) => {
    const res = await page.goto('/status');
    expect(res?.status()).toBe(200);
    await expect(page).toHaveURL(/\/status$/); // no sign-in
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Example Status');
    await expect(page.getByTestId('overall')).toHaveText('Partial System Outage');
    await expect(page.locator('[data-group]')).toHaveCount(2);
    await expect(page.locator('[data-group="Shop"] h2')).toHaveText('Shop');
    const web = page.locator('[data-component="Web shop"]');
    await expect(web.getByTestId('component-status')).toHaveText('Partial outage');
    await expect(page.locator('[data-component="Search"]').getByTestId('component-status')).toHaveText('Operational');
    for (const name of ['Web shop', 'Search', 'Public API', 'Sign-in']) {
      await expect(page.locator(`[data-component="${name}"] .bar`)).toHaveCount(90);
    }
    // past trouble shows on its day, with the minutes and the uptime in the title
    const majors = page.locator('[data-component="Public API"] .bar.major_outage');
    await expect(majors).toHaveCount(1);
    await expect(majors).toHaveAttribute('title', /major outage 45 min; uptime 96\.88%/);
    await expect(web).toContainText('% uptime');
    // times are UTC without JavaScript
    await expect(page.locator('footer time')).toContainText('UTC');
    // nothing internal: not the internal incident, not its notes, not the war room
    const text = await page.locator('body').innerText();
    for (const secret of ['Checkout errors', '502s come from the payments upstream', 'inc-2026', 'Sign out']) {
      expect(text).not.toContain(secret);
    }
  });
});

test('the status page hydrates and shows times in the reader\'s zone', async ({ page }) => {
  await page.goto('/status');
  await hydrated(page);
  await expect(page.getByTestId('overall')).toHaveText('Partial System Outage');
  await expect(page.locator('footer time')).not.toContainText('UTC');
});
