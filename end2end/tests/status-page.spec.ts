import { test, expect } from '@playwright/test';
import { ADA, BEN, VIC, hydrated, signIn } from './helpers';

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
    // the demo's upcoming maintenance
    const upcoming = page.locator('[data-maintenance="Search index upgrade"]');
    await expect(upcoming.getByTestId('maintenance-phase')).toHaveText('Scheduled');
    await expect(upcoming).toContainText('Affects: Search');
    // nothing internal: not the internal incident, not its notes, not the war room
    const text = await page.locator('body').innerText();
    for (const secret of ['Checkout errors', '502s come from the payments upstream', 'inc-2026', 'Sign out']) {
      expect(text).not.toContain(secret);
    }
  });
});

test('the status page loads only its small script, no app WASM, and shows times in the reader\'s zone', async ({ page }) => {
  const loaded: { url: string, type: string, bytes: number }[] = [];
  page.on('requestfinished', async (request) => {
    const sizes = await request.sizes();
    loaded.push({ url: request.url(), type: request.resourceType(), bytes: sizes.responseBodySize });
  });
  await page.goto('/status');
  await hydrated(page);
  await expect(page.getByTestId('overall')).toHaveText('Partial System Outage');
  await expect(page.locator('footer time')).not.toContainText('UTC');
  await page.waitForLoadState('networkidle');
  // what a customer's browser fetched: no WASM, no app script, and little code in all
  expect(loaded.filter((r) => r.url.endsWith('.wasm'))).toEqual([]);
  const scripts = loaded.filter((r) => r.type === 'script');
  expect(scripts.map((r) => new URL(r.url).pathname)).toEqual([expect.stringMatching(/^\/pkg\/status\.[0-9a-f]{20}\.js$/)]);
  const codeBytes = scripts.reduce((n, r) => n + r.bytes, 0);
  expect(codeBytes).toBeGreaterThan(0);
  expect(codeBytes).toBeLessThan(100 * 1024);
  // the style sheet too is named by its content
  expect(loaded.some((r) => /\/pkg\/klaxon\.[0-9a-f]{20}\.css$/.test(r.url))).toBe(true);
});

// Runs after the public-page tests above: it changes the demo page.
test('an admin defines the page and a component; a responder sets a status; customers see both', async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, ADA, '/status-page');
  const form = admin.getByTestId('component-form');
  await form.getByLabel('Name', { exact: true }).fill('Payments');
  await form.getByLabel('Description').fill('Card and wallet payments');
  await form.getByLabel(/^Group/).fill('Shop');
  await form.getByLabel('Service').selectOption('checkout');
  await form.getByRole('button', { name: 'Add component' }).click();
  await expect(admin.getByTestId('components').locator('[data-component="Payments"]')).toContainText('Shop');
  // a duplicate name is refused with the reason
  await form.getByLabel('Name', { exact: true }).fill('Payments');
  await form.getByRole('button', { name: 'Add component' }).click();
  await expect(form.getByRole('alert')).toContainText('already');

  const settings = admin.getByTestId('page-settings');
  await settings.getByLabel('Time zone (IANA)').fill('Nowhere/Special');
  await settings.getByRole('button', { name: 'Save page' }).click();
  await expect(settings.getByRole('alert')).toContainText('not a time zone');
  await settings.getByLabel('Time zone (IANA)').fill('America/New_York');
  await settings.getByLabel('Name', { exact: true }).fill('Acme Status');
  await settings.getByRole('button', { name: 'Save page' }).click();
  await expect(admin.getByTestId('page-settings').getByLabel('Name', { exact: true })).toHaveValue('Acme Status');

  const responder = await (await browser.newContext()).newPage();
  await signIn(responder, BEN, '/status-page');
  await expect(responder.getByTestId('component-form')).toHaveCount(0);
  const search = responder.getByTestId('components').locator('[data-component="Search"]');
  await search.getByLabel('Status of Search').selectOption('major_outage');
  await search.getByRole('button', { name: 'Set' }).click();
  await expect(responder.getByTestId('components').locator('[data-component="Search"] select')).toHaveValue('major_outage');

  const viewer = await (await browser.newContext()).newPage();
  await signIn(viewer, VIC, '/status-page');
  await expect(viewer.getByLabel('Status of Search')).toBeDisabled();
  await expect(viewer.getByRole('button', { name: 'Set' })).toHaveCount(0);

  const customer = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await customer.goto('/status');
  await expect(customer.getByRole('heading', { level: 1 })).toHaveText('Acme Status');
  await expect(customer.getByTestId('overall')).toHaveText('Major System Outage');
  await expect(customer.locator('[data-group="Shop"] [data-component="Payments"]')).toBeVisible();
  await expect(customer.locator('[data-component="Search"]').getByTestId('component-status')).toHaveText('Major outage');
  const json = await (await customer.request.get('/api/v2/status.json')).json();
  expect(json.status).toEqual({ indicator: 'critical', description: 'Major System Outage' });
  expect(json.page.name).toBe('Acme Status');
  expect(json.page.time_zone).toBe('America/New_York');
});

test('a responder posts a public update from the war room; customers see it, live, never the internal notes', async ({ browser }) => {
  // a customer has the page open (JavaScript on) before anything is posted
  const watching = await (await browser.newContext()).newPage();
  await watching.goto('/status');
  await hydrated(watching);
  await expect(watching.getByTestId('active-incidents')).toContainText('Checkout failures');
  await expect(watching.getByTestId('active-incidents')).not.toContainText('failed checkouts');
  await watching.evaluate(() => { (window as unknown as { notReloaded: boolean }).notReloaded = true; });

  const page = await (await browser.newContext()).newPage();
  await signIn(page, BEN, '/incidents');
  await page.getByTestId('incident-list').getByRole('link', { name: 'Checkout errors' }).click();
  await hydrated(page);
  const panel = page.getByTestId('public-update');
  // the demo incident is on the public page already, under its public title, one click away
  await expect(panel.getByTestId('public-now')).toContainText('Checkout failures — Investigating');
  const publicPath = await panel.getByTestId('public-link').getAttribute('href');
  expect(publicPath).toMatch(/^\/status\/incidents\/[a-z2-7]{12}$/);
  const publicPage = await page.request.get(publicPath!);
  expect(publicPage.status()).toBe(200);
  expect(await publicPage.text()).toContain('Checkout failures');
  await expect(panel.getByLabel('Public title')).toHaveValue('Checkout failures');
  // the template names the components of the affected services, ticked already
  await expect(panel.getByLabel('Message')).toHaveValue(/We are investigating reports of problems with .*Web shop/);
  await panel.getByLabel('Public title').fill('Checkout problems');
  await panel.getByLabel('Impact').selectOption('major');
  await panel.getByLabel('Public status of Web shop').selectOption('major_outage');
  await panel.getByLabel('Message').fill('We are investigating failed checkouts. Next update within 30 minutes.');
  await panel.getByRole('button', { name: 'Post public update' }).click();
  await expect(panel.getByTestId('public-now')).toContainText('Checkout problems — Investigating');
  await expect(page.getByTestId('timeline')).toContainText('Public update (Investigating): We are investigating failed checkouts.');
  // the open page shows it without a reload
  await expect(watching.getByTestId('active-incidents')).toContainText('Investigating — We are investigating failed checkouts.');
  await expect(watching.locator('[data-component="Web shop"]').getByTestId('component-status')).toHaveText('Major outage');
  await expect(watching.getByTestId('overall')).toHaveText('Major System Outage');
  expect(await watching.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  // switching the status offers that status's template
  await panel.getByLabel('Update status').selectOption('identified');
  await expect(panel.getByLabel('Message')).toHaveValue(/We have identified the cause/);

  const customer = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await customer.goto('/status');
  const incident = customer.getByTestId('active-incidents');
  await expect(incident).toContainText('Checkout problems');
  await expect(incident).toContainText('Investigating — We are investigating failed checkouts.');
  await expect(customer.locator('[data-component="Web shop"]').getByTestId('component-status')).toHaveText('Major outage');
  const text = await customer.locator('body').innerText();
  for (const secret of ['Checkout errors', '502s come from the payments upstream', 'Ben Okafor', 'Cleo Park']) {
    expect(text).not.toContain(secret);
  }
});

test('a responder schedules maintenance; customers see it ahead of time', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, BEN, '/status-page');
  const form = page.getByTestId('maintenance-form');
  const local = (d: Date) => {
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };
  const start = new Date(Date.now() + 3 * 3600_000);
  await form.getByLabel('Title', { exact: true }).fill('Payment provider migration');
  await form.getByLabel('Message').fill('Card payments may fail for a few minutes.');
  await form.getByLabel('Starts (your local time)').fill(local(start));
  await form.getByLabel('Ends (your local time)').fill(local(new Date(start.getTime() - 3600_000)));
  await form.getByLabel('Web shop').check();
  await form.getByRole('button', { name: 'Schedule' }).click();
  await expect(form.getByRole('alert')).toContainText('end after it starts');
  await form.getByLabel('Ends (your local time)').fill(local(new Date(start.getTime() + 3600_000)));
  await form.getByRole('button', { name: 'Schedule' }).click();
  await expect(form.getByRole('status')).toHaveText('Scheduled.');

  const customer = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await customer.goto('/status');
  const m = customer.locator('[data-maintenance="Payment provider migration"]');
  await expect(m.getByTestId('maintenance-phase')).toHaveText('Scheduled');
  await expect(m).toContainText('Card payments may fail for a few minutes.');
  await expect(m).toContainText('Affects: Web shop');
  const json = await (await customer.request.get('/api/v2/scheduled-maintenances/upcoming.json')).json();
  expect(json.scheduled_maintenances.map((x: { name: string }) => x.name)).toContain('Payment provider migration');
});
