import { test, expect } from '@playwright/test';
import { ADA, BEN, CLEO, declare, hydrated, newSignedIn, signIn } from './helpers';

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

test('a drill runs from a scenario: its injects arrive live on schedule, it suggests an IC, keeps its retrospective, and nothing reaches the public page', async ({ page, browser }) => {
  const crashes: string[] = [];
  page.on('pageerror', (e) => crashes.push(e.message));
  const stamp = Date.now();
  const title = `Replica lag drill ${stamp}`;
  const inject = `Replica lag on db-main-2 is 40 s (${stamp})`;

  // an admin imports a scenario as YAML
  await signIn(page, ADA, '/drills');
  await page.getByTestId('import-scenario').locator('summary').click();
  const yaml = page.getByTestId('import-scenario').getByLabel('Scenario YAML');
  await yaml.fill(`title: ${title}\nseverity: sev2\nservices: [checkout]\ninjects:\n  - "T+2m: late"\n  - "T+1m: early"\n`);
  await page.getByTestId('import-scenario').getByRole('button', { name: 'Save scenario' }).click();
  await expect(page.getByRole('alert')).toContainText('injects[1]: T+1m comes after T+2m');
  await yaml.fill(`title: ${title}\nseverity: sev2\nservices: [checkout]\nsummary: The replica falls behind.\ninjects:\n  - "T+0: Alert ReplicationLagHigh fired"\n  - "T+4s: ${inject}"\n  - "T+8s: The primary's disk is at 91%"\n  - "T+30m: never seen: the drill is over by then"\n`);
  await page.getByTestId('import-scenario').getByRole('button', { name: 'Save scenario' }).click();
  const card = page.getByTestId('scenario').filter({ hasText: title });
  await expect(page.getByRole('alert')).toHaveCount(0);
  // the injects' words are not sent to the page before the drill (the admin's YAML aside)
  const [ctxViewer, cleoFirst] = await newSignedIn(browser, CLEO, '/drills');
  await expect(cleoFirst.getByTestId('scenario').filter({ hasText: title })).toBeVisible();
  expect(await cleoFirst.content()).not.toContain(inject);
  await ctxViewer.close();
  await expect(card).toContainText('SEV2 · checkout · 4 injects over T+30m');
  // the seeds' challenge scenario ships with the demo
  await expect(page.getByTestId('scenario').filter({ hasText: 'Database failure: checkout, API and sign-in down' })).toContainText('9 injects over T+15m');

  // Ben runs it; Cleo watches the war room
  const [ctx, ben] = await newSignedIn(browser, BEN, '/drills');
  ben.on('pageerror', (e) => crashes.push(e.message));
  await expect(ben.getByTestId('next-ic')).toContainText('Incident Commander');
  await ben.getByTestId('scenario').filter({ hasText: title }).getByTestId('run-drill').click();
  await ben.waitForURL(/\/incidents\/\d+$/);
  await hydrated(ben);
  const path = new URL(ben.url()).pathname;
  const [ctx2, cleo] = await newSignedIn(browser, CLEO, path);
  cleo.on('pageerror', (e) => crashes.push(e.message));
  await expect(ben.getByTestId('drill-banner')).toContainText('DRILL');
  await expect(ben.getByTestId('incident-title')).toHaveText(title);
  await expect(ben.getByTestId('drill-panel')).toContainText(`Scenario: ${title}`);

  // the injects arrive on both timelines while they look, once each
  for (const p of [ben, cleo]) {
    await expect(p.getByTestId('timeline')).toContainText(`DRILL inject T+4s: ${inject}`, { timeout: 15000 });
    await expect(p.getByTestId('timeline')).toContainText("DRILL inject T+8s: The primary's disk is at 91%", { timeout: 15000 });
    await expect(p.getByTestId('drill-progress')).toContainText('3 of 4 injects posted · next at T+30m');
  }
  await expect(cleo.getByTestId('timeline').getByText(`DRILL inject T+4s: ${inject}`)).toHaveCount(1);

  // the suggested IC is made IC with one click
  const suggested = (await ben.getByTestId('suggested-ic').locator('strong').textContent())!;
  await ben.getByTestId('make-suggested-ic').click();
  await expect(cleo.getByTestId('roles').locator('[data-role="commander"]')).toContainText(suggested);
  await expect(ben.getByTestId('make-suggested-ic')).toHaveCount(0);

  // it ends; the retrospective is kept with it
  await ben.getByTestId('status-actions').getByRole('button', { name: '→ Resolved' }).click();
  await expect(cleo.getByTestId('drill-progress')).toContainText('the drill is over');
  const form = ben.getByTestId('retro-form');
  await form.getByLabel('What worked').fill('The lag alert named the replica at once.');
  await form.getByLabel('What to improve').fill('Nobody owned the stakeholder update.');
  await form.getByRole('button', { name: 'Keep the retrospective' }).click();
  await expect(cleo.getByTestId('drill-retro')).toContainText('Nobody owned the stakeholder update.');
  await ben.goto('/drills');
  const ran = ben.getByTestId('drill').filter({ hasText: title });
  await expect(ran).toContainText(`scenario: ${title}`);
  await expect(ran).toContainText('The lag alert named the replica at once.');

  // nothing of it reaches the public page
  const status = await (await page.request.get('/status')).text();
  const incidents = await (await page.request.get('/api/v2/incidents.json')).text();
  for (const body of [status, incidents]) {
    expect(body).not.toContain(title);
    expect(body).not.toContain(inject);
  }
  await ctx.close();
  await ctx2.close();
  expect(crashes).toEqual([]);
});
