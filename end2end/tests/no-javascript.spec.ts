import { test, expect, Browser } from '@playwright/test';
import { BEN, CLEO, PASSWORD } from './helpers';

test.use({ javaScriptEnabled: false });

test('sign in, the incident list and a war room work without JavaScript', async ({ page }) => {
  const res = await page.goto('/incidents');
  await expect(page).toHaveURL(/\/login\?next=\/incidents$/);
  // a real redirect, not a page that needs a script to move on
  const hop = await res!.request().redirectedFrom()!.response();
  expect(hop!.status()).toBe(303);
  await page.getByLabel('Email').fill(BEN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/incidents$/);
  const list = page.getByTestId('incident-list');
  await expect(list).toContainText('Checkout errors');
  await expect(list).toContainText('Search suggestions slow');

  // filters are a plain GET form
  await page.getByLabel('Status').selectOption('resolved');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/status=resolved/);
  await expect(list).toContainText('Search suggestions slow');
  await expect(list).not.toContainText('Checkout errors');

  await page.goto('/incidents');
  await list.getByRole('link', { name: 'Checkout errors' }).click();
  await expect(page.getByTestId('incident-title')).toHaveText('Checkout errors');
  await expect(page.getByTestId('status')).toHaveText('Investigating');
  await expect(page.getByTestId('timeline')).toContainText('502s come from the payments upstream');
  await expect(page.getByTestId('roles').locator('[data-role="commander"]')).toContainText('Cleo Park');
  await expect(page.getByTestId('runbooks')).toContainText('Checkout error rate high');
  // times are shown in UTC without JavaScript
  await expect(page.getByTestId('timeline').locator('time').first()).toContainText('UTC');
});

test('a wrong password without JavaScript says so', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill(BEN);
  await page.getByLabel('Password').fill('nope nope');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
});

test('an unknown incident is a 404 page', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill(BEN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/incidents$/);
  const res = await page.goto('/incidents/987654');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('alert')).toContainText('There is no incident 987654');
});

test('a postmortem reads and its text saves without JavaScript', async ({ page }) => {
  await page.goto('/login?next=/postmortems/1');
  await page.getByLabel('Email').fill(BEN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/postmortems\/1$/);
  await expect(page.getByTestId('postmortem-body').getByRole('heading', { name: 'Timeline (UTC)' })).toBeVisible();
  await page.getByTestId('edit-text').locator('summary').click();
  const area = page.locator('#postmortem-text');
  const text = await area.inputValue();
  await area.fill(text.replace('## Root cause\n\n', '## Root cause\n\nSaved from a plain form. A careless step.\n'));
  await page.getByRole('button', { name: 'Save the text' }).click();
  // back on the page (the form's redirect), the text saved
  await expect(page).toHaveURL(/\/postmortems\/1\??$/);
  await expect(page.getByTestId('postmortem-body')).toContainText('Saved from a plain form.');
  // its blame-oriented word has a hint; dismissed by a plain form, it is gone for good
  const hint = page.getByTestId('hints').locator('li', { hasText: 'careless' });
  await expect(hint).toBeVisible();
  await hint.getByRole('button', { name: /Dismiss/ }).click();
  await expect(page).toHaveURL(/\/postmortems\/1\??$/);
  await expect(page.getByTestId('postmortem-body')).toContainText('A careless step.');
  await expect(page.getByTestId('hints')).not.toContainText('careless');
});

/** A context without JavaScript, signed in as `email` on `/postmortems/1`. */
async function plainSignedIn(browser: Browser, email: string) {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto('/login?next=/postmortems/1');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/postmortems\/1$/);
  return [ctx, page] as const;
}

test('two people changing one action item at once both keep their change', async ({ browser }) => {
  const [ctxB, ben] = await plainSignedIn(browser, BEN);
  const [ctxC, cleo] = await plainSignedIn(browser, CLEO);
  const title = 'Alert on connection pool saturation';
  const add = ben.getByTestId('add-item');
  await add.getByLabel('Action').fill(title);
  await add.getByRole('button', { name: 'Add action item' }).click();
  await expect(ben).toHaveURL(/\/postmortems\/1\??$/);
  // both open its form, drawn from the same item
  await cleo.reload();
  const benRow = ben.getByTestId('items').locator('tr', { hasText: title });
  const cleoRow = cleo.getByTestId('items').locator('tr', { hasText: title });
  await expect(cleoRow.getByTestId('item-priority')).toHaveText('P2');
  for (const row of [benRow, cleoRow]) await row.locator('summary', { hasText: 'Edit' }).click();
  // Ben raises the priority; Cleo, whose form still says P2 and nobody, takes it over
  await benRow.locator('details.item-edit').getByLabel('Priority').selectOption('p0');
  await benRow.getByRole('button', { name: 'Save the action item' }).click();
  await expect(benRow.getByTestId('item-priority')).toHaveText('P0');
  const owner = cleoRow.locator('details.item-edit').getByLabel('Owner');
  await owner.selectOption({ label: (await owner.locator('option', { hasText: 'Cleo' }).textContent())!.trim() });
  await cleoRow.getByRole('button', { name: 'Save the action item' }).click();
  await expect(cleo).toHaveURL(/\/postmortems\/1\??$/);
  await expect(cleoRow.getByTestId('item-owner')).toContainText('Cleo');
  await expect(cleoRow.getByTestId('item-priority')).toHaveText('P0');
  await ctxB.close();
  await ctxC.close();
});

test('the response metrics read without JavaScript, and a period is picked by a plain form', async ({ page }) => {
  await page.goto('/login?next=/insights');
  await page.getByLabel('Email').fill(BEN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/insights$/);
  await expect(page.getByTestId('response').locator('tr[data-group="all"]')).toBeVisible();
  // the charts are drawn by the server, values written in them and described in words
  const chart = page.getByTestId('chart-mttr');
  await expect(chart.locator('svg')).toBeVisible();
  await expect(chart.locator('svg desc')).toContainText('SEV1:');
  await expect(chart.locator('text.chart-value').first()).not.toBeEmpty();
  // the period's bounds in UTC without a script
  await expect(page.getByTestId('period').locator('time').first()).toContainText('UTC');
  await page.getByLabel('Last').selectOption('90');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/days=90/);
  await expect(page.getByTestId('period')).toContainText('(90 days)');
});

test('a near-miss is recorded, and its review started, with plain forms', async ({ page }) => {
  await page.goto('/login?next=/near-misses');
  await page.getByLabel('Email').fill(BEN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/near-misses$/);
  const title = `Queue nearly full ${Date.now()}`;
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('What almost happened').fill('The payments queue reached 95%.');
  await page.getByLabel('What caught it').fill('A capacity alert at 90%.');
  // a time given in the form reads as UTC without a script
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('When (empty: now)').fill(`${day}T10:15`);
  await page.getByRole('button', { name: 'Record near-miss' }).click();
  await page.goto('/near-misses?days=30');
  const entry = page.getByTestId('near-miss').filter({ hasText: title });
  await expect(entry).toContainText('A capacity alert at 90%.');
  await expect(entry.locator('time')).toContainText(`${day} 10:15 UTC`);
  // its lightweight review starts with a plain form too, and reads
  await entry.getByRole('button', { name: 'Start a lightweight review' }).click();
  await expect(page).toHaveURL(/\/postmortems\/\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Lightweight review: ${title}`);
  await expect(page.getByTestId('postmortem-body')).toContainText('A capacity alert at 90%.');
});

test('drills read, and a scenario runs, with plain forms', async ({ page }) => {
  await page.goto('/login?next=/drills');
  await page.getByLabel('Email').fill(BEN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/drills$/);
  const shipped = page.getByTestId('scenario').filter({ hasText: 'Database failure: checkout, API and sign-in down' });
  await expect(shipped).toContainText('SEV1 · checkout, api, auth · 9 injects over T+15m');
  await expect(page.getByTestId('next-ic')).toContainText('Incident Commander');
  await shipped.getByTestId('run-drill').click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  await expect(page.getByTestId('drill-banner')).toContainText('DRILL');
  await expect(page.getByTestId('drill-panel')).toContainText('Scenario: Database failure');
  // the first inject comes at T+0: it is on the timeline at the latest a pass of the worker later
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('timeline')).toContainText('DRILL inject T+0: Alert CheckoutErrorRateHigh fired', { timeout: 1000 });
  }).toPass({ timeout: 10000 });
  const form = page.getByTestId('retro-form');
  await form.getByLabel('What worked').fill('We found the full disk in four minutes.');
  await form.getByLabel('What to improve').fill('Nobody posted a stakeholder update.');
  await form.getByRole('button', { name: 'Keep the retrospective' }).click();
  await expect(page.getByTestId('drill-retro')).toContainText('Nobody posted a stakeholder update.');
});
