import { test, expect } from '@playwright/test';
import { ADA, BEN, CLEO, PASSWORD, hydrated, newSignedIn, signIn } from './helpers';

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
    // the schedule's calendar reads too, on the schedule's own clock
    await page.getByRole('link', { name: 'Platform primary' }).click();
    await expect(page.getByTestId('calendar')).toHaveAttribute('data-zone', 'America/New_York');
    await expect(page.locator('.cal-list li[data-person="Ben Okafor"]').first()).toBeVisible();
  });
});

/** A date as YYYY-MM-DD on a zone's calendar. */
function dateIn(t: number, timeZone: string): string {
  return new Date(t).toLocaleDateString('sv-SE', { timeZone });
}

test('a weekly rotation with a follow-the-sun layer on the calendar in two zones; an override and a swap show live', async ({ browser }) => {
  const dayAgo = new Date(Date.now() - 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  // Ben and Cleo rotate weekly on Berlin time; Jun covers Tokyo's business hours (01:00-09:00 in Berlin)
  const yaml = `name: Support follow-the-sun\ntime_zone: Europe/Berlin\nlayers:\n` +
    `  - name: Weekly\n    start: ${dayAgo}\n    rotation_virtual_start: ${dayAgo}\n    rotation_turn_length_seconds: 604800\n    users: [${BEN}, ${CLEO}]\n` +
    `  - name: Tokyo hours\n    start: ${dayAgo}\n    rotation_virtual_start: ${dayAgo}\n    rotation_turn_length_seconds: 604800\n    users: [jun@example.com]\n` +
    `    restrictions:\n      - {type: daily_restriction, start_time_of_day: "01:00:00", duration_seconds: 28800}\n`;
  const berlin = await browser.newContext({ timezoneId: 'Europe/Berlin' });
  const admin = await berlin.newPage();
  await signIn(admin, ADA, '/oncall');
  await admin.getByTestId('new-schedule').getByLabel('Schedule (YAML)').fill(yaml);
  await admin.getByTestId('new-schedule').getByRole('button', { name: 'Save schedule' }).click();
  await admin.getByRole('link', { name: 'Support follow-the-sun' }).click();
  await expect(admin.getByTestId('calendar')).toHaveAttribute('data-zone', 'Europe/Berlin');
  // tomorrow, on Berlin's calendar
  const day = dateIn(Date.now() + 24 * 3600 * 1000, 'Europe/Berlin');
  const calendar = `${new URL(admin.url()).pathname}?date=${day}`;
  await admin.goto(calendar);
  await hydrated(admin);
  const adminDay = admin.locator(`.cal-day[data-date="${day}"]`);
  await expect(adminDay.locator('.cal-list li[data-person="Jun Tanaka"]')).toContainText('01:00–09:00');

  // Ben reads the same calendar from Tokyo: Jun's hours are 09:00-17:00 there
  const tokyo = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
  const ben = await tokyo.newPage();
  await signIn(ben, BEN, '/oncall');
  await ben.goto(calendar);
  await hydrated(ben);
  await expect(ben.getByTestId('calendar')).toHaveAttribute('data-zone', 'Asia/Tokyo');
  const benDay = ben.locator(`.cal-day[data-date="${day}"]`);
  await expect(benDay.locator('.cal-list li[data-person="Jun Tanaka"]')).toContainText('09:00–17:00');

  // the admin clicks Ben's shift and puts Cleo on call 12:00-14:00 Berlin time; Ben sees it at once
  await adminDay.locator('.bar[data-person="Ben Okafor"]').first().click();
  const panel = admin.getByTestId('shift-panel');
  await panel.getByTestId('override-user').selectOption({ label: 'Cleo Park' });
  await panel.getByTestId('override-start').fill(`${day}T12:00`);
  await panel.getByTestId('override-end').fill(`${day}T14:00`);
  await panel.getByRole('button', { name: 'Add override' }).click();
  await expect(adminDay.locator('.cal-list li[data-person="Cleo Park"]')).toContainText('12:00–14:00');
  await expect(benDay.locator('.bar.override[data-person="Cleo Park"]')).toBeVisible();
  await expect(benDay.locator('.cal-list li[data-person="Cleo Park"]')).toContainText('20:00–22:00');

  // Ben offers 18:00-19:00 of his shift (Tokyo time); Cleo takes it
  await benDay.locator('.bar.rotation[data-person="Ben Okafor"]').first().click();
  const offer = ben.getByTestId('offer-form');
  await offer.getByTestId('offer-start').fill(`${day}T18:00`);
  await offer.getByTestId('offer-end').fill(`${day}T19:00`);
  await offer.getByRole('button', { name: 'Offer for a swap' }).click();
  await expect(ben.getByTestId('swap')).toContainText('Ben Okafor offers');
  const [ctxC, cleo] = await newSignedIn(browser, CLEO, '/oncall');
  await cleo.goto(calendar);
  await hydrated(cleo);
  await cleo.getByTestId('swap').getByRole('button', { name: 'Take this shift' }).click();
  await expect(cleo.getByTestId('swap')).toContainText('taken by Cleo Park');
  // on Ben's calendar, live: Cleo's swap from 18:00 to 19:00
  await expect(benDay.locator('.bar.swap[data-person="Cleo Park"]')).toBeVisible();
  await expect(benDay.locator('.cal-list li[data-person="Cleo Park"]').filter({ hasText: 'swap' })).toContainText('18:00–19:00');
  await expect(ben.getByTestId('swap')).toContainText('taken by Cleo Park');
  // the admin removes the override again: Cleo is off 12:00-14:00
  await adminDay.locator('.bar.override[data-person="Cleo Park"]').click();
  await admin.getByTestId('shift-panel').getByRole('button', { name: 'Remove this override' }).click();
  await expect(adminDay.locator('.cal-list li[data-person="Cleo Park"]').filter({ hasText: '12:00–14:00' })).toHaveCount(0);
  await expect(benDay.locator('.bar.override[data-person="Cleo Park"]')).toHaveCount(0);
  // both are told
  await ben.goto('/inbox');
  await expect(ben.getByTestId('inbox')).toContainText('Cleo Park took the shift you offered on Support follow-the-sun.');
  await cleo.goto('/inbox');
  await expect(cleo.getByTestId('inbox')).toContainText("You took Ben Okafor's shift on Support follow-the-sun");
  // Ben's own zone, offered from his browser's, counts his night hours
  await ben.goto('/oncall');
  await hydrated(ben);
  await expect(ben.getByTestId('my-zone')).toHaveValue('Asia/Tokyo');
  await ben.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(ben.getByText('Night hours on call are counted on Asia/Tokyo time.')).toBeVisible();
  await ben.getByTestId('my-zone').fill('Mars/Olympus');
  await ben.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(ben.getByRole('alert')).toContainText('time_zone: "Mars/Olympus" is not a time zone');
  await ctxC.close();
  await berlin.close();
  await tokyo.close();
});
