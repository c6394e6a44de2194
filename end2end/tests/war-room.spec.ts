import { test, expect } from '@playwright/test';
import { BEN, CLEO, VIC, declare, hydrated, newSignedIn, signIn } from './helpers';

test('a responder declares with triage, assigns the commander, posts a note and moves the status', async ({ page }) => {
  await signIn(page, BEN);
  const path = await declare(page, 'Payments failing', ['No', 'No', 'No', 'No', 'Yes']);
  await expect(page.getByTestId('incident-title')).toHaveText('Payments failing');
  await expect(page.getByTestId('severity')).toHaveText('SEV2');
  await expect(page.getByTestId('timeline')).toContainText('Financial impact such as failed payments');
  // SEV2: the update clock and the mitigation clock run
  await expect(page.locator('[data-timer="update_due"]')).toContainText('in 59m');
  await expect(page.locator('[data-timer="mitigation_overdue"]')).toBeVisible();

  const roles = page.getByTestId('roles');
  const ic = roles.locator('[data-role="commander"]');
  await ic.getByLabel('Assign Incident Commander').selectOption({ label: 'Ben Okafor' });
  await ic.getByRole('button', { name: 'Assign' }).click();
  await expect(ic).toContainText('Ben Okafor');
  await expect(page.getByTestId('timeline')).toContainText('Ben Okafor is now Incident Commander');

  await page.getByTestId('composer').locator('textarea').fill('Card processor returns 502s');
  await page.getByTestId('composer').getByRole('button', { name: 'Post' }).click();
  await expect(page.getByTestId('timeline')).toContainText('Card processor returns 502s');
  await expect(page.getByTestId('composer').locator('textarea')).toHaveValue('');

  await page.getByTestId('status-actions').getByRole('button', { name: '→ Investigating' }).click();
  await expect(page.getByTestId('status')).toHaveText('Investigating');
  await page.getByTestId('status-actions').getByRole('button', { name: '→ Mitigating' }).click();
  await expect(page.getByTestId('status')).toHaveText('Mitigating');
  await expect(page.locator('[data-timer="mitigation_overdue"]')).toHaveCount(0);
  await expect(page.getByTestId('timeline')).toContainText('Status Investigating → Mitigating');

  // after a reload the server-rendered page shows the same state
  await page.goto(path);
  await expect(page.getByTestId('status')).toHaveText('Mitigating');
});

test('a SEV1 with data exposure tells executives and Security and Legal', async ({ page }) => {
  await signIn(page, CLEO);
  await declare(page, 'Customer emails exposed', ['No', 'Yes']);
  await expect(page.getByTestId('severity')).toHaveText('SEV1');
  await expect(page.getByTestId('timeline')).toContainText('Executives notified');
  await expect(page.getByTestId('timeline')).toContainText('Security and Legal notified');
  await expect(page.getByTestId('data-exposure')).toHaveText('flagged');
});

test('two browsers on one war room see each other live', async ({ browser }) => {
  const [ctxA, a] = await newSignedIn(browser, BEN);
  const path = await declare(a, 'Search down', ['No', 'No', 'No', 'No', 'No', 'Yes']);
  const [ctxB, b] = await newSignedIn(browser, CLEO, path);
  await expect(b.getByTestId('live-status')).toHaveText('live');
  await expect(a.getByTestId('live-status')).toHaveText('live');

  await a.getByTestId('composer').locator('textarea').fill('note from A');
  await a.getByTestId('composer').getByRole('button', { name: 'Post' }).click();
  await expect(b.getByTestId('timeline')).toContainText('note from A', { timeout: 1_000 });

  await b.getByTestId('status-actions').getByRole('button', { name: '→ Identified' }).click();
  await expect(a.getByTestId('status')).toHaveText('Identified', { timeout: 1_000 });

  const ic = b.getByTestId('roles').locator('[data-role="commander"]');
  await ic.getByLabel('Assign Incident Commander').selectOption({ label: 'Cleo Park' });
  await ic.getByRole('button', { name: 'Assign' }).click();
  await expect(a.getByTestId('roles').locator('[data-role="commander"]')).toContainText('Cleo Park', { timeout: 1_000 });

  // both now show the same timeline, event for event
  const ids = (p: typeof a) => p.getByTestId('timeline').locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-event-id')));
  expect(await ids(a)).toEqual(await ids(b));
  await ctxA.close();
  await ctxB.close();
});

test('the incident list updates live', async ({ browser }) => {
  const [ctxA, list] = await newSignedIn(browser, VIC, '/incidents');
  await expect(list.getByTestId('live-status')).toHaveText('live');
  const [ctxB, b] = await newSignedIn(browser, BEN);
  await declare(b, 'Live list check', ['Yes']);
  await expect(list.getByTestId('incident-list')).toContainText('Live list check', { timeout: 2_000 });
  await ctxA.close();
  await ctxB.close();
});

test('viewers read but cannot act', async ({ page }) => {
  await signIn(page, VIC);
  await page.getByTestId('incident-list').getByRole('link', { name: 'Checkout errors' }).click();
  await hydrated(page);
  await expect(page.getByTestId('incident-title')).toHaveText('Checkout errors');
  await expect(page.getByTestId('composer')).toHaveCount(0);
  await expect(page.getByTestId('status-actions')).toHaveCount(0);
  await page.goto('/incidents/new');
  await expect(page.getByRole('alert')).toContainText('Viewers cannot declare incidents');
});

test('a clock that runs out is shown overdue and recorded on the timeline as it fires', async ({ page }) => {
  await signIn(page, BEN);
  const detected = new Date(Date.now() - 31 * 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = `${detected.getFullYear()}-${pad(detected.getMonth() + 1)}-${pad(detected.getDate())}T${pad(detected.getHours())}:${pad(detected.getMinutes())}`;
  await declare(page, 'Everything is down', ['Yes'], ['Checkout'], local);
  await expect(page.getByTestId('severity')).toHaveText('SEV1');
  await expect(page.locator('[data-timer="mitigation_overdue"] .countdown')).toHaveClass(/overdue/);
  await expect(page.locator('[data-timer="mitigation_overdue"]')).toContainText('overdue by');
  // the server's clock job fires it and every open war room sees it live
  await expect(page.getByTestId('timeline')).toContainText('30 minutes without mitigation: request more responders', { timeout: 5_000 });
  await expect(page.getByTestId('timeline').locator('li.timer_fired')).toHaveCount(1);
});

test('keyboard shortcuts: ? lists them, n writes a note, s goes to the status, t to the timeline', async ({ page }) => {
  await signIn(page, BEN);
  await page.getByTestId('incident-list').getByRole('link', { name: 'Checkout errors' }).click();
  // the war room is shown a moment after the click (the list stays until then)
  await expect(page.getByTestId('composer')).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId('shortcuts')).toHaveCount(0);
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcuts')).toContainText('Write a note');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('shortcuts')).toHaveCount(0);
  const note = page.getByTestId('composer').locator('textarea');
  await page.keyboard.press('n');
  await expect(note).toBeFocused();
  // in a field, keys are text, not shortcuts
  await page.keyboard.type('saw it, on it');
  await expect(note).toHaveValue('saw it, on it');
  await page.keyboard.press('Escape');
  await expect(note).not.toBeFocused();
  await page.keyboard.press('s');
  await expect(page.getByTestId('status-actions').locator('.buttons button').first()).toBeFocused();
  await page.keyboard.press('t');
  await expect(page.getByTestId('timeline')).toBeFocused();
});
