import { test, expect } from '@playwright/test';
import { BEN, hydrated, signIn } from './helpers';

test('a near-miss is recorded, reviewed in a lightweight postmortem of its own, and declared as an incident once', async ({ page }) => {
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

  // its lightweight review: a postmortem of its own, pre-filled from the near-miss, with
  // action items tracked to done
  await entry.getByTestId('start-review').getByRole('button', { name: 'Start a lightweight review' }).click();
  await page.waitForURL(/\/postmortems\/\d+$/);
  const review = page.url();
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Lightweight review: ${title}`);
  await expect(page.getByTestId('postmortem-status')).toHaveText('Draft');
  const body = page.getByTestId('postmortem-body');
  await expect(body.getByRole('heading', { name: 'What caught it' })).toBeVisible();
  await expect(body).toContainText('The weekly certificate check.');
  await expect(body.getByRole('heading', { name: 'Where we got lucky' })).toBeVisible();
  await page.getByTestId('edit-text').locator('summary').click();
  const area = page.locator('#postmortem-text');
  const current = await area.inputValue();
  await area.fill(current.replace('## Where we got lucky\n\n', '## Where we got lucky\n\nThe weekly check ran two days before expiry.\n'));
  await expect(page.getByTestId('sync')).toHaveText('All changes saved');
  const add = page.getByTestId('add-item');
  await add.getByLabel('Action').fill('Renew certificates automatically');
  await add.getByRole('button', { name: 'Add action item' }).click();
  const item = page.getByTestId('items').locator('tr', { hasText: 'Renew certificates automatically' });
  await expect(item.getByTestId('item-status')).toHaveText('Open');
  await item.getByRole('button', { name: /Mark done/ }).click();
  await expect(item.getByTestId('item-status')).toHaveText('Done');
  // the near-miss links its review; the way back is the near-miss
  await page.getByRole('link', { name: 'Near-miss', exact: true }).click();
  await expect(page).toHaveURL(/\/near-misses\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}#near-miss-\d+$/);
  await expect(entry.getByTestId('near-miss-review-link')).toHaveText('Lightweight review · Draft');
  await expect(entry.getByTestId('start-review')).toHaveCount(0);
  await entry.getByTestId('near-miss-review-link').click();
  await expect(page).toHaveURL(review);
  await expect(page.getByTestId('postmortem-body')).toContainText('The weekly check ran two days before expiry.');
  await page.goto('/near-misses');

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
