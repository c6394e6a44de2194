import { test, expect } from '@playwright/test';
import { ADA, BEN, PASSWORD, newSignedIn } from './helpers';

/** A weekly rotation (the seed's PagerDuty layer) whose first turn began a day ago. */
function weekly(name: string, zone: string, people: string[]): string {
  const start = new Date(Date.now() - 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  return `name: ${name}\ntime_zone: ${zone}\nlayers:\n  - name: Weekly\n    start: ${start}\n    rotation_virtual_start: ${start}\n` +
    `    rotation_turn_length_seconds: 604800\n    users:\n${people.map((p) => `      - ${p}\n`).join('')}`;
}

test('an admin adds a weekly rotation as YAML; /oncall shows who is on call and next, and tells the person on call', async ({ browser }) => {
  const [ctxA, admin] = await newSignedIn(browser, ADA, '/oncall');
  const form = admin.getByTestId('new-schedule');
  // a zone that does not exist is refused, naming the field
  await form.getByLabel('Schedule (YAML)').fill(weekly('Platform primary', 'Mars/Olympus', [BEN, 'cleo@example.com']));
  await form.getByRole('button', { name: 'Save schedule' }).click();
  await expect(form.getByRole('alert')).toContainText('time_zone: "Mars/Olympus" is not a time zone');
  await form.getByLabel('Schedule (YAML)').fill(weekly('Platform primary', 'America/New_York', [BEN, 'cleo@example.com']));
  await form.getByRole('button', { name: 'Save schedule' }).click();
  const row = admin.locator('[data-schedule="Platform primary"]');
  await expect(row.getByTestId('now')).toContainText('Ben Okafor');
  await expect(row.getByTestId('next')).toContainText('Cleo');
  await expect(row).toContainText('America/New_York');
  await expect(admin.getByTestId('you-on-call')).toHaveCount(0);
  // the admin's checks, on screen and as JSON
  const checks = admin.locator('[data-checks="Platform primary"]');
  await expect(checks.getByTestId('gaps')).toHaveText('No gaps in the next 30 days.');
  await expect(checks.getByTestId('load')).toContainText('Ben Okafor');
  await expect(checks.getByTestId('load')).toContainText('Cleo Park');
  const json = await (await admin.request.get('/api/oncall/checks')).json();
  const primary = json.find((c: any) => c.name === 'Platform primary');
  expect(primary.gaps).toEqual([]);
  expect(primary.load.map((l: any) => l.name).sort()).toEqual(['Ben Okafor', 'Cleo Park']);

  const [ctxB, ben] = await newSignedIn(browser, BEN, '/oncall');
  await expect(ben.getByTestId('you-on-call')).toContainText('You are on call for Platform primary until');
  await expect(ben.getByTestId('new-schedule')).toHaveCount(0);
  // the handoff time is shown in the reader's zone, from the same instant for everyone
  const until = await ben.getByTestId('you-on-call').locator('time').getAttribute('datetime');
  const next = await ben.locator('[data-schedule="Platform primary"]').getByTestId('next').locator('time').getAttribute('datetime');
  expect(until).toBe(next);
  // Ben leaves a handoff note; Cleo, who takes over next, reads it on /oncall
  await ben.getByTestId('you-on-call').getByLabel('Handoff note for whoever takes over').fill('Checkout latency alert is noisy; silence ends at 18:00.');
  await ben.getByTestId('you-on-call').getByRole('button', { name: 'Save handoff note' }).click();
  await expect(ben.locator('[data-schedule="Platform primary"]').getByTestId('note-out')).toContainText('Checkout latency alert is noisy');
  const [ctxC, cleo] = await newSignedIn(browser, 'cleo@example.com', '/oncall');
  const forCleo = cleo.locator('[data-schedule="Platform primary"]').getByTestId('note-out');
  await expect(forCleo).toContainText('from Ben Okafor');
  await expect(forCleo).toContainText('silence ends at 18:00');
  await ctxC.close();

  // Ben's own shifts as a calendar feed: its address, and what a calendar program reads there
  await ben.getByRole('button', { name: 'My shifts as a calendar feed' }).click();
  const address = (await ben.getByTestId('calendar-url').locator('code').textContent())!;
  expect(address).toMatch(/^\/oncall\/calendar\/[0-9a-f]{48}\.ics$/);
  const feed = await ben.request.get(address);
  expect(feed.status()).toBe(200);
  const ics = await feed.text();
  expect(ics).toContain('BEGIN:VEVENT');
  expect(ics).toContain('SUMMARY:On call: Platform primary (Ben Okafor)');
  expect(ics).not.toContain('(Cleo Park)');
  await ctxA.close();
  await ctxB.close();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('/oncall reads without JavaScript', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(BEN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/incidents$/);
    await page.goto('/oncall');
    await expect(page.getByRole('heading', { name: 'On call' })).toBeVisible();
    await expect(page.locator('[data-schedule="Platform primary"]').getByTestId('now')).toContainText('Ben Okafor');
  });
});
