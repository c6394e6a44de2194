import { test, expect } from '@playwright/test';
import { BEN, signIn } from './helpers';

test('a near-miss is recorded, read in the review, and declared as an incident once', async ({ page }) => {
  const crashes: string[] = [];
  page.on('pageerror', (e) => crashes.push(e.message));
  await signIn(page, BEN, '/near-misses');
  const title = `Certificate nearly expired ${Date.now()}`;
  const form = page.getByTestId('record-near-miss');
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('What almost happened').fill('The API certificate had two days left.');
  await form.getByLabel('What caught it').fill('The weekly certificate check.');
  await form.getByLabel('Service').selectOption({ label: 'Public API' });
  await form.getByRole('button', { name: 'Record near-miss' }).click();
  const entry = page.getByTestId('near-miss').filter({ hasText: title });
  await expect(entry).toContainText('The weekly certificate check.');
  await expect(entry).toContainText('Public API');
  await expect(form.getByLabel('Title')).toHaveValue('');

  // a lightweight review, kept with it
  await entry.getByTestId('review-form').locator('summary').click();
  await entry.getByLabel('Contributing factors').fill('Renewal is manual and the reminder went to a left colleague.');
  await entry.getByLabel('Where we got lucky').fill('The weekly check ran two days before expiry.');
  await entry.getByLabel('What we change').fill('Renew automatically; check daily.');
  await entry.getByRole('button', { name: 'Keep the review' }).click();
  await expect(entry.getByTestId('near-miss-review')).toContainText('The weekly check ran two days before expiry.');
  await expect(entry.getByTestId('near-miss-review')).toContainText('Renew automatically; check daily.');
  await page.reload();
  await expect(entry.getByTestId('near-miss-review')).toContainText('Renewal is manual');
  await expect(entry).toContainText('Reviewed by Ben Okafor');

  // counted in the month's review
  await page.goto('/insights');
  await expect(page.getByTestId('near-miss-count')).toContainText('recorded');
  await page.getByRole('link', { name: 'Review them' }).click();
  await expect(page).toHaveURL(/\/near-misses\?days=30/);

  // it was one after all: declared, it opens the war room, which links back
  await entry.getByLabel('Declare as an incident of').selectOption('sev3');
  await entry.getByRole('button', { name: 'Declare' }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  await expect(page.getByTestId('incident-title')).toHaveText(title);
  const timeline = page.getByTestId('timeline');
  await expect(timeline).toContainText(`Link added: Near-miss: ${title}`);
  await expect(timeline.locator('a[href^="/near-misses#near-miss-"]')).toHaveCount(1);
  await page.goto('/near-misses');
  await expect(entry.getByTestId('declared-as')).toBeVisible();
  await expect(entry.getByRole('button', { name: 'Declare' })).toHaveCount(0);
  expect(crashes).toEqual([]);
});
