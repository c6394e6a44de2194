import { test, expect, Page, Browser } from '@playwright/test';
import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BEN, CLEO, hydrated, newSignedIn, signIn } from './helpers';

// The demo's review of the old incident: a draft anyone on the team may edit.
const DEMO = '/postmortems/1';

/** Opens the editor of the postmortem at `path` and waits until it is live. */
async function openEditor(page: Page, path = DEMO) {
  if (new URL(page.url()).pathname !== path) {
    await page.goto(path);
    await hydrated(page);
  }
  await page.getByTestId('edit-text').locator('summary').click();
  await expect(page.getByTestId('sync')).toHaveText('All changes saved');
  return page.locator('#postmortem-text');
}

/** Puts the caret just after `marker` in the textarea. */
async function caretAfter(page: Page, marker: string) {
  await page.locator('#postmortem-text').evaluate((el: HTMLTextAreaElement, m) => {
    const at = el.value.indexOf(m);
    if (at < 0) throw new Error(`no ${JSON.stringify(m)} in the text`);
    el.focus();
    el.setSelectionRange(at + m.length, at + m.length);
  }, marker);
}

const value = (page: Page) => page.locator('#postmortem-text').inputValue();

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

test('two people type into the same sentence at once and see each other live; undo takes back only one\'s own', async ({ browser }) => {
  const [ctxB, ben] = await newSignedIn(browser, BEN, DEMO);
  const [ctxC, cleo] = await newSignedIn(browser, CLEO, DEMO);
  await openEditor(ben);
  await openEditor(cleo);

  // keystroke to the other browser: one character at a time, timed until Cleo's textarea has it
  await caretAfter(ben, '## Summary\n\n');
  const probe = 'Probe: the gateway pool ran dry. ';
  const delays: number[] = [];
  for (let i = 1; i <= probe.length; i++) {
    const expected = '## Summary\n\n' + probe.slice(0, i);
    const seen = cleo.locator('#postmortem-text').evaluate((el: HTMLTextAreaElement, want) => new Promise<number>((ok) => {
      const look = () => (el.value.includes(want) ? ok(Date.now()) : setTimeout(look, 1));
      look();
    }), expected);
    const sent = Date.now();
    await ben.keyboard.type(probe[i - 1]);
    delays.push((await seen) - sent);
  }
  delays.sort((a, b) => a - b);
  console.log(`keystroke to the other browser (${delays.length} keystrokes): p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms, max ${delays[delays.length - 1]} ms`);

  // each sees who else is editing, and where their caret is
  await expect(cleo.getByTestId('peers')).toContainText('Ben');
  await expect(cleo.getByTestId('peer-caret')).toContainText('Ben');

  // both at the same place, at the same time
  const mine = 'Ben: the retry budget was spent. ';
  const hers = 'Cleo: 決済 requests queued 🔥. ';
  await caretAfter(ben, probe);
  await caretAfter(cleo, probe);
  await Promise.all([ben.keyboard.type(mine, { delay: 15 }), cleo.keyboard.type(hers, { delay: 15 })]);
  await expect(ben.getByTestId('sync')).toHaveText('All changes saved');
  await expect(cleo.getByTestId('sync')).toHaveText('All changes saved');
  await expect.poll(async () => (await value(ben)) === (await value(cleo))).toBe(true);
  const both = await value(ben);
  expect(both).toContain(mine);
  expect(both).toContain(hers);
  expect(both).toContain(probe);
  // the preview follows, for the others too
  await expect(cleo.getByTestId('postmortem-body')).toContainText('Cleo: 決済 requests queued');
  await expect(cleo.getByTestId('postmortem-body')).toContainText('Ben: the retry budget was spent.');

  // Ben undoes his last words: Cleo's stay, and she sees the undo
  await ben.locator('#postmortem-text').focus();
  await ben.keyboard.press('Control+z');
  await expect.poll(() => value(cleo)).not.toContain(mine);
  expect(await value(cleo)).toContain(hers);
  expect(await value(ben)).toContain(hers);
  await ben.keyboard.press('Control+Shift+z');
  await expect.poll(() => value(cleo)).toContain(mine);

  // blame-oriented words get a hint as they are typed; it can be dismissed
  await caretAfter(cleo, hers);
  await cleo.keyboard.type('It was human error. ');
  const hint = cleo.getByTestId('hints').locator('li', { hasText: 'human error' });
  const bensHint = ben.getByTestId('hints').locator('li', { hasText: 'human error' });
  await expect(hint).toBeVisible();
  await expect(bensHint).toBeVisible();
  // dismissed by one, gone for every editor at once, and kept with the postmortem
  await hint.getByRole('button', { name: /Dismiss/ }).click();
  await expect(hint).toHaveCount(0);
  await expect(bensHint).toHaveCount(0);

  // what they wrote is what a new reader gets
  await expect(ben.getByTestId('sync')).toHaveText('All changes saved');
  await expect(cleo.getByTestId('sync')).toHaveText('All changes saved');
  const final = await value(cleo);
  const md = await (await ben.request.get(`${DEMO}.md`)).text();
  expect(md).toContain(mine);
  expect(md).toContain('It was human error.');
  expect(await value(ben)).toBe(final);
  await ben.reload();
  await hydrated(ben);
  await openEditor(ben);
  expect(await value(ben)).toContain('It was human error.');
  await expect(bensHint).toHaveCount(0);
  await ctxB.close();
  await ctxC.close();
});

test('an open action item form keeps what was typed while someone else changes the item, and saving keeps both', async ({ browser }) => {
  const [ctxB, ben] = await newSignedIn(browser, BEN, DEMO);
  const [ctxC, cleo] = await newSignedIn(browser, CLEO, DEMO);
  // both live
  await openEditor(ben);
  await openEditor(cleo);
  const title = `Alert on pool exhaustion ${Date.now()}`;
  const add = ben.getByTestId('add-item');
  await add.getByLabel('Action').fill(title);
  await add.getByRole('button', { name: 'Add action item' }).click();
  const benRow = ben.getByTestId('items').locator('tr', { hasText: title });
  const cleoRow = cleo.getByTestId('items').locator('tr', { hasText: title });
  await expect(cleoRow.getByTestId('item-priority')).toHaveText('P2');

  // Ben starts rewording it and leaves his form open
  await benRow.locator('summary', { hasText: 'Edit' }).click();
  const benForm = benRow.locator('details.item-edit form');
  const reworded = `${title} and on slow checkouts`;
  await benForm.getByLabel('Action').fill(reworded);

  // meanwhile Cleo raises its priority and takes it over; her form folds away once saved
  await cleoRow.locator('summary', { hasText: 'Edit' }).click();
  const cleoForm = cleoRow.locator('details.item-edit form');
  await cleoForm.getByLabel('Priority').selectOption('p0');
  const owner = cleoForm.getByLabel('Owner');
  await owner.selectOption({ label: (await owner.locator('option', { hasText: 'Cleo' }).textContent())!.trim() });
  await cleoForm.getByRole('button', { name: 'Save the action item' }).click();
  await expect(cleoRow.locator('details.item-edit')).not.toHaveAttribute('open');

  // Ben's row shows her change at once; his form is still open with his words, and the
  // fields he left alone show her change
  await expect(benRow.getByTestId('item-priority')).toHaveText('P0');
  await expect(benRow.getByTestId('item-owner')).toContainText('Cleo');
  await expect(benRow.locator('details.item-edit')).toHaveAttribute('open');
  await expect(benForm.getByLabel('Action')).toHaveValue(reworded);
  await expect(benForm.getByLabel('Priority')).toHaveValue('p0');

  // he saves: his words, her priority and her ownership are all kept, for both, after a reload too
  await benForm.getByRole('button', { name: 'Save the action item' }).click();
  await expect(benRow.locator('details.item-edit')).not.toHaveAttribute('open');
  for (const page of [ben, cleo]) {
    const row = page.getByTestId('items').locator('tr', { hasText: reworded });
    await expect(row.getByTestId('item-priority')).toHaveText('P0');
    await expect(row.getByTestId('item-owner')).toContainText('Cleo');
  }
  await cleo.reload();
  const saved = cleo.getByTestId('items').locator('tr', { hasText: reworded });
  await expect(saved.getByTestId('item-priority')).toHaveText('P0');
  await expect(saved.getByTestId('item-owner')).toContainText('Cleo');
  await ctxB.close();
  await ctxC.close();
});

test('a browser offline for a while keeps typing, and nothing is lost: not when it comes back, not when it was closed meanwhile', async ({ browser }) => {
  const [ctxB, ben] = await newSignedIn(browser, BEN, DEMO);
  const [ctxC, cleo] = await newSignedIn(browser, CLEO, DEMO);
  await openEditor(ben);
  await openEditor(cleo);

  await ctxC.setOffline(true);
  await caretAfter(cleo, '## Root cause\n\n');
  const offline = 'Written offline: the pool size was halved by the config push. ';
  await cleo.keyboard.type(offline, { delay: 5 });
  await expect(cleo.getByTestId('sync')).toContainText('kept on this device');
  // meanwhile Ben writes in the same section
  await caretAfter(ben, '## Root cause\n\n');
  const online = 'Written online: alerts fired 4 minutes late. ';
  await ben.keyboard.type(online, { delay: 5 });
  await expect(ben.getByTestId('sync')).toHaveText('All changes saved');
  expect(await value(ben)).not.toContain(offline);

  // back: hers go up, his come down
  await ctxC.setOffline(false);
  await expect(cleo.getByTestId('sync')).toHaveText('All changes saved', { timeout: 20_000 });
  await expect.poll(() => value(ben), { timeout: 15_000 }).toContain(offline);
  await expect.poll(() => value(cleo), { timeout: 15_000 }).toContain(online);
  expect(await value(cleo)).toBe(await value(ben));

  // offline again, and the page is closed before it could send: the next visit sends it
  await ctxC.setOffline(true);
  const closed = 'Typed before the laptop lid closed. ';
  await caretAfter(cleo, offline);
  await cleo.keyboard.type(closed, { delay: 5 });
  await expect(cleo.getByTestId('sync')).toContainText('kept on this device');
  await cleo.close();
  await ctxC.setOffline(false);
  const again = await ctxC.newPage();
  await again.goto(DEMO);
  await hydrated(again);
  await openEditor(again);
  await expect.poll(() => value(again), { timeout: 15_000 }).toContain(closed);
  await expect.poll(() => value(ben), { timeout: 15_000 }).toContain(closed);
  expect(await value(ben)).toContain(offline + closed);
  await ctxB.close();
  await ctxC.close();
});

// Its own Klaxon process on its own SQLite file, killed and started again mid-session.
const BIN = process.env.KLAXON_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME!, '.cache/klaxon-target'), 'debug/klaxon');
const SITE = resolve(__dirname, '../../target/site');

async function run(db: string, port: number, ...args: string[]): Promise<ChildProcess> {
  const env = { ...process.env, DATABASE_URL: db, KLAXON_ADDR: `127.0.0.1:${port}`, KLAXON_SITE_ROOT: SITE, RUST_LOG: 'warn' };
  const child = spawn(BIN, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (args[0] !== 'serve') {
    await new Promise((ok, fail) => child.on('exit', (code) => (code === 0 ? ok(null) : fail(new Error(`${args} exited ${code}`)))));
    return child;
  }
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('klaxon did not start');
}

function kill(child: ChildProcess) {
  return new Promise((ok) => { child.on('exit', ok); child.kill('SIGKILL'); });
}

async function signInAt(browser: Browser, base: string, email: string, next: string) {
  const ctx = await browser.newContext({ baseURL: base });
  const page = await ctx.newPage();
  await signIn(page, email, next);
  return [ctx, page] as const;
}

test('the server restarts mid-session and nothing typed is lost', async ({ browser }) => {
  const db = `sqlite://${mkdtempSync(join(tmpdir(), 'klaxon-restart-'))}/k.db`;
  const port = 3253;
  const base = `http://127.0.0.1:${port}`;
  await run(db, 0, 'demo');
  let server = await run(db, port, 'serve');
  try {
    const [ctx, ben] = await signInAt(browser, base, BEN, DEMO);
    await openEditor(ben);
    await caretAfter(ben, '## Summary\n\n');
    await ben.keyboard.type('Before the restart. ', { delay: 5 });
    await expect(ben.getByTestId('sync')).toHaveText('All changes saved');

    await kill(server);
    await ben.keyboard.type('While it was down. ', { delay: 5 });
    await expect(ben.getByTestId('sync')).toContainText('kept on this device');
    server = await run(db, port, 'serve');
    await expect(ben.getByTestId('sync')).toHaveText('All changes saved', { timeout: 20_000 });
    await ben.keyboard.type('After it came back.', { delay: 5 });
    await expect(ben.getByTestId('sync')).toHaveText('All changes saved');

    // a new reader, after one more restart, gets all of it
    await kill(server);
    server = await run(db, port, 'serve');
    const [ctx2, cleo] = await signInAt(browser, base, CLEO, DEMO);
    await openEditor(cleo);
    expect(await value(cleo)).toContain('## Summary\n\nBefore the restart. While it was down. After it came back.');
    await ctx.close();
    await ctx2.close();
  } finally {
    await kill(server);
  }
});
