import { test, expect } from '@playwright/test';
import { ADA, hydrated, newSignedIn } from './helpers';

/** The demo's Events API v2 key for checkout, which pages through the seeds' policy. */
const KEY = 'demo0checkout0events0key00000001';

test('an alert from monitoring pages the person on call live, who acknowledges from the pager and resolves it', async ({ browser, request }) => {
  // who is on call on the primary now
  const [ctxA, admin] = await newSignedIn(browser, ADA, '/oncall');
  const onCall = (await admin.locator('[data-schedule="Payments primary"]').getByTestId('now').locator('.person').textContent())!.trim();
  const email = `${onCall.split(' ')[0].toLowerCase()}@example.com`;

  // the person on call is at their desk, on another page
  const [ctx, page] = await newSignedIn(browser, email, '/incidents');
  await hydrated(page);
  await expect(page.getByTestId('pager')).toHaveCount(0);

  // the deploy tool reports a change first (it never pages)
  const change = await request.post('/v2/change/enqueue', { data: { routing_key: KEY, payload: { summary: 'Deployed checkout v42', source: 'ci' } } });
  expect(change.status()).toBe(202);

  // monitoring triggers, as curl would: no session, the key is the credential
  const r = await request.post('/v2/enqueue', {
    data: { routing_key: KEY, event_action: 'trigger', dedup_key: 'checkout-5xx-e2e', payload: { summary: 'Checkout 5xx above 5%', source: 'prometheus', severity: 'critical' } },
  });
  expect(r.status()).toBe(202);
  expect((await r.json()).dedup_key).toBe('checkout-5xx-e2e');

  // the page arrives live, on whatever page they are
  const pager = page.getByTestId('pager');
  await expect(pager).toContainText('Paged: Checkout 5xx above 5%');
  await expect(pager).toContainText('critical');
  await pager.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(pager).toHaveCount(0);

  // the alert's page: paged, acknowledged from the pager; then resolved
  await page.goto('/inbox');
  await page.getByRole('link', { name: 'Page: Checkout 5xx above 5%' }).click();
  await expect(page.getByRole('heading', { name: 'Checkout 5xx above 5%' })).toBeVisible();
  await expect(page.getByTestId('alert-state')).toHaveText('acknowledged');
  await expect(page.getByTestId('alert-log')).toContainText(`Escalation step 1: paged ${onCall}`);
  await expect(page.getByTestId('alert-log')).toContainText(`Acknowledged by ${onCall}`);

  // one click from the alert to a declared incident: title and service filled in, linked both ways
  const alertPath = new URL(page.url()).pathname;
  await page.getByRole('link', { name: 'Declare an incident' }).click();
  await hydrated(page);
  await expect(page.getByTestId('from-alert')).toContainText('Checkout 5xx above 5%');
  await expect(page.getByLabel('Title', { exact: true })).toHaveValue('Checkout 5xx above 5%');
  await expect(page.getByLabel('Checkout', { exact: true })).toBeChecked();
  await page.getByLabel('Impact', { exact: true }).fill('Some checkouts fail');
  for (const a of ['No', 'No', 'No', 'No', 'Yes']) await page.getByTestId('triage').getByRole('button', { name: a, exact: true }).click();
  await page.getByRole('button', { name: /^Declare/ }).click();
  await page.waitForURL(/\/incidents\/\d+$/);
  await hydrated(page);
  await expect(page.getByTestId('incident-title')).toHaveText('Checkout 5xx above 5%');
  await expect(page.getByRole('link', { name: 'Alert: Checkout 5xx above 5%' })).toHaveAttribute('href', alertPath);
  // the war room shows where it came from: the alert and its log, what changed just before
  const linked = page.getByTestId('linked-alerts');
  await expect(linked.getByRole('link', { name: 'Checkout 5xx above 5%' })).toHaveAttribute('href', alertPath);
  await linked.getByText('Log').click();
  await expect(linked).toContainText(`Acknowledged by ${onCall}`);
  await expect(page.getByTestId('without-context')).toHaveCount(0); // checkout has a runbook
  const changes = page.getByTestId('recent-changes');
  await expect(changes).toContainText('Deployed checkout v42');
  await expect(changes).toContainText('shortly before detection');
  await page.goto(alertPath);
  await hydrated(page);
  await expect(page.getByTestId('alert-log')).toContainText('declared: Checkout 5xx above 5%');
  // the responder says it was actionable (alert accuracy is computed from this)
  await page.getByTestId('verdict').getByRole('button', { name: 'Actionable' }).click();
  await expect(page.getByTestId('verdict').getByRole('button', { name: 'Actionable' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('alert-log')).toContainText(`Marked actionable by ${onCall}`);
  // monitoring resolves it while the page is open: the page follows, live
  const resolved = await request.post('/v2/enqueue', { data: { routing_key: KEY, event_action: 'resolve', dedup_key: 'checkout-5xx-e2e' } });
  expect(resolved.status()).toBe(202);
  await expect(page.getByTestId('alert-state')).toHaveText('resolved');
  await expect(page.getByTestId('alert-log')).toContainText('Resolved by the monitoring tool');

  // everyone sees it on the list
  await admin.goto('/alerts');
  const row = admin.getByTestId('alerts').getByRole('row', { name: /Checkout 5xx above 5%/ });
  await expect(row).toContainText('resolved');
  await expect(row).toContainText('Checkout');
  await ctx.close();
  await ctxA.close();
});

test('an admin issues a key for a service, monitoring sends with it, and a revoked key is refused', async ({ browser, request }) => {
  const [ctx, admin] = await newSignedIn(browser, ADA, '/services');
  const search = admin.locator('[data-service="search"]');
  await expect(admin.getByTestId('policies')).toContainText('at once: Payments primary');
  await search.getByLabel('Key name').fill('Grafana');
  await search.getByRole('button', { name: 'Issue a key' }).click();
  const secret = (await admin.getByTestId('new-key').locator('code').textContent())!;
  expect(secret).toMatch(/^[A-Za-z0-9]{32}$/);
  const trigger = (key: string) => request.post('/v2/enqueue', {
    data: { routing_key: key, event_action: 'trigger', payload: { summary: 'Search latency high', source: 'grafana', severity: 'warning' } },
  });
  expect((await trigger(secret)).status()).toBe(202);
  // it pages through the policy the admin picks
  await search.getByTestId('policy').selectOption('Payments');
  await search.getByRole('button', { name: 'Save' }).click();
  await expect(search.getByTestId('policy')).toHaveValue('Payments');
  await search.locator('[data-key="Grafana"]').getByRole('button', { name: 'Revoke' }).click();
  await expect(search.locator('[data-key="Grafana"]')).toContainText('revoked');
  const refused = await trigger(secret);
  expect(refused.status()).toBe(400);
  expect((await refused.json()).errors).toEqual(['Invalid routing key']);
  await admin.goto('/alerts');
  await admin.getByTestId('alerts').getByRole('link', { name: 'Search latency high' }).click();
  await expect(admin.getByTestId('alert-state')).toHaveText('triggered');
  await hydrated(admin);
  await admin.getByRole('button', { name: 'Resolve' }).click();
  await expect(admin.getByTestId('alert-state')).toHaveText('resolved');
  await expect(admin.getByTestId('alert-log')).toContainText('Resolved by Ada Lovelace');
  await ctx.close();
});
