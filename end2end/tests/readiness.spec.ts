import { test, expect } from '@playwright/test';
import { VIC, signIn } from './helpers';

test('the readiness check passes or fails each item in words, names what fails and links to its fix', async ({ page }) => {
  const crashes: string[] = [];
  page.on('pageerror', (e) => crashes.push(e.message));
  await signIn(page, VIC, '/readiness');
  await expect(page.getByRole('heading', { name: 'Readiness check' })).toBeVisible();
  const checks = page.getByTestId('checks').locator(':scope > li');
  await expect(checks).toHaveCount(11);
  const passing = await page.getByTestId('checks').locator(':scope > li[data-passed="true"]').count();
  await expect(page.getByTestId('readiness-score')).toHaveText(`${passing} of 11 checks pass.`);
  // each says pass or fail in words; the demo's runbooks have never been reviewed
  for (const li of await checks.all()) await expect(li.locator('.verdict')).toHaveText(/^(Pass|Fail)$/);
  const stale = page.locator('li[data-check="runbooks_reviewed"]');
  await expect(stale.locator('.verdict')).toHaveText('Fail');
  await expect(stale.locator('.problems')).toContainText('never reviewed');
  await stale.getByTestId('fix').click();
  await expect(page).toHaveURL(/\/runbooks$/);
  expect(crashes).toEqual([]);
});
