import { test, expect, Browser } from '@playwright/test';
import { ADA, hydrated, newSignedIn, receiver } from './helpers';

/** The demo's Events API v2 key for checkout, which pages through the seeds' policy. */
const KEY = 'demo0checkout0events0key00000001';

/** Who is on call on a schedule now, by email. */
async function onCall(browser: Browser, schedule: string): Promise<{ name: string; email: string }> {
  const [ctx, admin] = await newSignedIn(browser, ADA, '/oncall');
  const name = (await admin.locator(`[data-schedule="${schedule}"]`).getByTestId('now').locator('.person').textContent())!.trim();
  await ctx.close();
  return { name, email: `${name.split(' ')[0].toLowerCase()}@example.com` };
}

test('a page reaches the person on call by their webhook rule, and its link acknowledges without signing in', async ({ browser, request }) => {
  const hook = await receiver();
  const primary = await onCall(browser, 'Payments primary');
  const [ctx, page] = await newSignedIn(browser, primary.email, '/inbox');
  await page.getByRole('link', { name: 'How you are paged' }).click();
  await hydrated(page);
  await expect(page.getByTestId('no-rules')).toBeVisible();

  // a bad address is refused and says why; a good one is kept
  await page.getByLabel('Address').fill('ftp://example.com/hook');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await expect(page.getByRole('alert')).toContainText('http');
  await page.getByLabel('Address').fill(hook.url);
  await page.getByLabel('After (minutes)').fill('0');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await expect(page.getByTestId('rules')).toContainText('By webhook to http://127.0.0.1');
  await expect(page.getByTestId('rules')).toContainText(', at once');

  // monitoring triggers: the pager shows it here, and the webhook gets a Slack-style message
  const r = await request.post('/v2/enqueue', {
    data: { routing_key: KEY, event_action: 'trigger', dedup_key: 'disk-full-e2e', payload: { summary: 'Disk full on db-1', source: 'node-exporter', severity: 'error' } },
  });
  expect(r.status()).toBe(202);
  await expect(page.getByTestId('pager')).toContainText('Paged: Disk full on db-1');
  await expect.poll(() => hook.bodies.length).toBe(1);
  const message = hook.bodies[0];
  expect(message.text).toContain('Paged (error): Disk full on db-1 on Checkout');
  const link: string = message.page.acknowledge_url;
  expect(message.text).toContain(`<${link}|Acknowledge>`);

  // the link, opened on a phone with no session: it asks first, then acknowledges, once
  const phone = await browser.newContext();
  const anon = await phone.newPage();
  await anon.goto(link);
  await expect(anon.getByRole('heading', { name: 'Acknowledge this page?' })).toBeVisible();
  await expect(anon.getByText('Disk full on db-1')).toBeVisible();
  await anon.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(anon.getByRole('heading', { name: 'Acknowledged' })).toBeVisible();
  const again = await anon.goto(link);
  expect(again!.status()).toBe(410);
  await phone.close();

  // the pager here follows, live
  await expect(page.getByTestId('pager')).toHaveCount(0);
  await page.getByRole('button', { name: /^Remove: By webhook/ }).click();
  await expect(page.getByTestId('no-rules')).toBeVisible();
  await request.post('/v2/enqueue', { data: { routing_key: KEY, event_action: 'resolve', dedup_key: 'disk-full-e2e' } });
  hook.close();
  await ctx.close();
});

test('an alert nobody acknowledges escalates to the secondary, live in their browser', async ({ browser, request }) => {
  test.setTimeout(150_000);
  const primary = await onCall(browser, 'Payments primary');
  const secondary = await onCall(browser, 'Payments secondary');
  expect(secondary.email).not.toBe(primary.email);

  // search pages through a fast policy: the primary, then after a minute the secondary
  const [ctxA, admin] = await newSignedIn(browser, ADA, '/services');
  await admin.getByLabel(/Add or replace a policy/).fill(
    'name: Fast\nrepeat: 0\nsteps:\n  - delay_minutes: 1\n    targets: [{schedule: Payments primary}]\n  - delay_minutes: 1\n    targets: [{schedule: Payments secondary}]\n',
  );
  await admin.getByRole('button', { name: 'Save policy' }).click();
  await expect(admin.getByTestId('policies')).toContainText('Fast');
  const search = admin.locator('[data-service="search"]');
  await search.getByTestId('policy').selectOption('Fast');
  await search.getByRole('button', { name: 'Save' }).click();
  await expect(search.getByTestId('policy')).toHaveValue('Fast');
  await search.getByLabel('Key name').fill('Escalation test');
  await search.getByRole('button', { name: 'Issue a key' }).click();
  const key = (await admin.getByTestId('new-key').locator('code').textContent())!;

  const [ctxP, first] = await newSignedIn(browser, primary.email, '/incidents');
  const [ctxS, second] = await newSignedIn(browser, secondary.email, '/oncall');
  const r = await request.post('/v2/enqueue', {
    data: { routing_key: key, event_action: 'trigger', dedup_key: 'search-down-e2e', payload: { summary: 'Search returns nothing', source: 'blackbox', severity: 'critical' } },
  });
  expect(r.status()).toBe(202);
  await expect(first.getByTestId('pager')).toContainText('Paged: Search returns nothing');
  await expect(second.getByTestId('pager')).toHaveCount(0);

  // nobody acknowledges: a minute later the secondary is paged, wherever they are
  await expect(second.getByTestId('pager')).toContainText('Paged: Search returns nothing', { timeout: 90_000 });
  await second.getByTestId('pager').getByRole('button', { name: 'Acknowledge' }).click();
  await expect(second.getByTestId('pager')).toHaveCount(0);
  await expect(first.getByTestId('pager')).toHaveCount(0);

  // the log tells it all; an incident from it is flagged: search has no runbook
  await admin.goto('/alerts');
  await admin.getByTestId('alerts').getByRole('link', { name: 'Search returns nothing' }).click();
  const log = admin.getByTestId('alert-log');
  await expect(log).toContainText(`Escalation step 1: paged ${primary.name}`);
  await expect(log).toContainText(`Escalation step 2: paged ${secondary.name}`);
  await expect(log).toContainText(`Acknowledged by ${secondary.name}`);
  await admin.getByRole('link', { name: 'Declare an incident' }).click();
  await hydrated(admin);
  await admin.getByLabel('Impact', { exact: true }).fill('Search is empty');
  for (const a of ['No', 'No', 'No', 'No', 'Yes']) await admin.getByTestId('triage').getByRole('button', { name: a, exact: true }).click();
  await admin.getByRole('button', { name: /^Declare/ }).click();
  await admin.waitForURL(/\/incidents\/\d+$/);
  await expect(admin.getByTestId('without-context')).toContainText('Alert without context: Search has no runbook');
  await request.post('/v2/enqueue', { data: { routing_key: key, event_action: 'resolve', dedup_key: 'search-down-e2e' } });
  await ctxP.close();
  await ctxS.close();
  await ctxA.close();
});
