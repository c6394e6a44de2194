import { test, expect } from '@playwright/test';
import { BEN, CLEO, declare, hydrated, newSignedIn } from './helpers';

test('a resolved incident gets its postmortem, pre-filled; action items are tracked to done live; the whole document exports as Markdown', async ({ browser }) => {
  const [ctxB, ben] = await newSignedIn(browser, BEN);
  const warRoom = await declare(ben, 'Payments failing at the gateway', ['No', 'No', 'No', 'No', 'Yes']);
  await expect(ben.getByTestId('postmortem-panel')).toContainText('Once the incident is resolved');
  // a note that matters is marked as key: it will be on the postmortem's timeline
  await ben.getByTestId('composer').locator('textarea').fill('The gateway pool hit its limit after the deploy');
  await ben.getByTestId('composer').getByRole('button', { name: 'Post' }).click();
  const note = ben.getByTestId('timeline').locator('li[data-kind="note_added"]', { hasText: 'The gateway pool hit its limit' });
  await note.getByRole('button', { name: 'Mark as key' }).click();
  await expect(note.getByTestId('key-note')).toHaveText('Key');
  const actions = ben.getByTestId('status-actions');
  await actions.getByRole('button', { name: '→ Resolved' }).click();
  await expect(ben.getByTestId('status')).toHaveText('Resolved');

  // resolving started it (SEV1-3); the button opens that one
  await ben.getByTestId('start-postmortem').click();
  await ben.waitForURL(/\/postmortems\/\d+$/);
  await hydrated(ben);
  const path = new URL(ben.url()).pathname;
  await expect(ben.getByRole('heading', { level: 1 })).toContainText('Payments failing at the gateway');
  await expect(ben.getByTestId('postmortem-status')).toHaveText('Draft');
  const body = ben.getByTestId('postmortem-body');
  await expect(body.getByRole('heading', { name: 'Timeline (UTC)' })).toBeVisible();
  await expect(body.locator('table').nth(1)).toContainText('Status Detected → Resolved');
  await expect(body.locator('table').nth(1)).toContainText('Key note: The gateway pool hit its limit after the deploy');
  await expect(ben.getByTestId('hints')).toContainText('No hints');

  // the text, edited: live, each change sent as it is made; the hints read it
  await ben.getByTestId('edit-text').locator('summary').click();
  await expect(ben.getByTestId('sync')).toHaveText('All changes saved');
  await expect(ben.getByRole('button', { name: 'Save the text' })).toBeHidden();
  const area = ben.locator('#postmortem-text');
  const current = await area.inputValue();
  await area.fill(current.replace('## Summary\n\n', '## Summary\n\nThe gateway timed out under load: human error in its config.\n'));
  await expect(ben.getByTestId('sync')).toHaveText('All changes saved');
  await expect(body).toContainText('The gateway timed out under load');
  await expect(ben.getByTestId('hints')).toContainText('human error');

  // an action item for Cleo
  const add = ben.getByTestId('add-item');
  await add.getByLabel('Action').fill('Retry gateway timeouts once');
  await add.getByLabel('Owner').selectOption({ label: (await add.getByLabel('Owner').locator('option', { hasText: 'Cleo' }).textContent())!.trim() });
  await add.getByLabel('Priority').selectOption('p1');
  await add.getByRole('button', { name: 'Add action item' }).click();
  const row = ben.getByTestId('items').locator('tr', { hasText: 'Retry gateway timeouts once' });
  await expect(row.getByTestId('item-status')).toHaveText('Open');
  // changed afterwards: P0, tracked in another tool; a bad link is refused and says why
  await row.locator('summary', { hasText: 'Edit' }).click();
  const form = row.locator('details.item-edit form');
  await form.getByLabel('Priority').selectOption('p0');
  await form.getByLabel('Link').fill('ftp://tracker.example.com/OPS-7');
  await form.getByRole('button', { name: 'Save the action item' }).click();
  await expect(ben.getByRole('alert').filter({ hasText: 'link:' })).toBeVisible();
  await expect(row.getByTestId('item-priority')).toHaveText('P1');
  await expect(form.getByLabel('Priority')).toHaveValue('p0');
  await form.getByLabel('Link').fill('https://tracker.example.com/OPS-7');
  await form.getByRole('button', { name: 'Save the action item' }).click();
  await expect(row.getByTestId('item-priority')).toHaveText('P0');
  await expect(row.getByTestId('item-link')).toHaveAttribute('href', 'https://tracker.example.com/OPS-7');

  // Cleo sees it on her incident list and marks it done from /action-items
  const [ctxC, cleo] = await newSignedIn(browser, CLEO, '/incidents');
  await expect(cleo.getByTestId('my-items')).toContainText('Retry gateway timeouts once');
  await cleo.goto('/action-items');
  await hydrated(cleo);
  await cleo.getByLabel('Owner').selectOption({ label: 'Me' });
  await cleo.getByLabel('Status').selectOption('open');
  await cleo.getByRole('button', { name: 'Filter' }).click();
  await cleo.waitForURL(/owner=/);
  const mine = cleo.getByTestId('items').locator('tr', { hasText: 'Retry gateway timeouts once' });
  await expect(mine.getByTestId('item-status')).toHaveText('Open');
  await mine.getByRole('button', { name: /Mark done/ }).click();
  // done: off her list of open items
  await expect(mine).toHaveCount(0);

  // ... and Ben's open postmortem shows it done, live
  await expect(row.getByTestId('item-status')).toHaveText('Done');

  // status moves on; the export has everything
  await ben.getByTestId('status-to').selectOption('in_review');
  await ben.getByRole('button', { name: 'Set status' }).click();
  await expect(ben.getByTestId('postmortem-status')).toHaveText('In review');
  const md = await ben.request.get(`${path}.md`);
  expect(md.status()).toBe(200);
  expect(md.headers()['content-type']).toContain('text/markdown');
  const text = await md.text();
  expect(text).toMatch(/^# Postmortem: Payments failing at the gateway\n/);
  expect(text).toContain('- **Status:** In review');
  expect(text).toContain('## Summary\n\nThe gateway timed out under load: human error in its config.\n');
  expect(text).toMatch(/\| \[Retry gateway timeouts once\]\(https:\/\/tracker\.example\.com\/OPS-7\) \| Cleo[^|]* \| P0 \| — \| Done \|/);
  // not signed in: sent to sign in first
  const anonymous = await browser.newContext();
  const r = await anonymous.request.get(`${path}.md`, { maxRedirects: 0 });
  expect(r.status()).toBe(303);
  expect(r.headers()['location']).toContain('/login?next=');
  await anonymous.close();

  // the war room links it now
  await ben.goto(warRoom);
  await expect(ben.getByTestId('open-postmortem')).toHaveAttribute('href', path);
  await ctxB.close();
  await ctxC.close();
});
