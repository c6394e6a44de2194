import { test, expect, request } from '@playwright/test';
import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BEN, CLEO, PASSWORD, hydrated } from './helpers';

// This test runs its own Klaxon processes on one SQLite file: replica A serves the browser,
// is killed for a minute, while replica B takes writes; then A comes back.
const BIN = process.env.KLAXON_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME!, '.cache/klaxon-target'), 'debug/klaxon');
const SITE = resolve(__dirname, '../../target/site');
const OUTAGE_MS = 60_000;

function env(db: string, port: number) {
  return { ...process.env, DATABASE_URL: db, KLAXON_ADDR: `127.0.0.1:${port}`, KLAXON_SITE_ROOT: SITE, RUST_LOG: 'warn' };
}

async function run(db: string, port: number, ...args: string[]): Promise<ChildProcess> {
  const child = spawn(BIN, args, { env: env(db, port), stdio: ['ignore', 'ignore', 'inherit'] });
  if (args[0] !== 'serve') {
    await new Promise((ok, fail) => child.on('exit', (code) => (code === 0 ? ok(null) : fail(new Error(`${args} exited ${code}`)))));
    return child;
  }
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.ok) return child;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('klaxon did not start');
}

function kill(child: ChildProcess) {
  return new Promise((ok) => { child.on('exit', ok); child.kill('SIGKILL'); });
}

test('a browser that loses its connection for a minute shows it, then gets every missed event once, in order', async ({ page }) => {
  test.setTimeout(OUTAGE_MS + 60_000);
  const db = `sqlite://${mkdtempSync(join(tmpdir(), 'klaxon-reconnect-'))}/k.db`;
  const [portA, portB] = [3251, 3252];
  await run(db, 0, 'demo');
  let a = await run(db, portA, 'serve');
  const b = await run(db, portB, 'serve');
  try {
    await page.goto(`http://127.0.0.1:${portA}/login?next=/incidents/2`);
    await hydrated(page);
    await page.getByLabel('Email').fill(CLEO);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/incidents\/2$/);
    await hydrated(page);
    await expect(page.getByTestId('live-status')).toHaveText('live');
    const before = await page.getByTestId('timeline').locator('li').count();

    await kill(a);
    await expect(page.getByTestId('live-status')).toHaveText('reconnecting…');

    // meanwhile a colleague keeps writing through replica B
    const api = await request.newContext({ baseURL: `http://127.0.0.1:${portB}` });
    expect((await api.post('/api/login', { form: { email: BEN, password: PASSWORD } })).ok()).toBeTruthy();
    const missed = ['missed 1', 'missed 2', 'missed 3', 'missed 4', 'missed 5'];
    const started = Date.now();
    for (const body of missed) {
      const r = await api.post('/api/incidents/note', { form: { id: '2', kind: 'note', body } });
      expect(r.ok()).toBeTruthy();
      await page.waitForTimeout(OUTAGE_MS / missed.length / 2);
    }
    await page.waitForTimeout(Math.max(0, OUTAGE_MS - (Date.now() - started)));
    await expect(page.getByTestId('live-status')).toHaveText('reconnecting…');
    await expect(page.getByTestId('timeline')).not.toContainText('missed 1');

    a = await run(db, portA, 'serve');
    await expect(page.getByTestId('live-status')).toHaveText('live', { timeout: 15_000 });
    const items = page.getByTestId('timeline').locator('li');
    await expect(items).toHaveCount(before + missed.length);
    // newest first: the missed notes, in order, each once
    const summaries = await items.locator('.summary').allTextContents();
    expect(summaries.slice(0, missed.length)).toEqual([...missed].reverse());
    const ids = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-event-id')));
    expect(new Set(ids).size).toBe(ids.length);

    // live again; an event written through B while A is up reaches the browser with the
    // next event A publishes (A sees the gap before it and reads it from the database)
    await api.post('/api/incidents/note', { form: { id: '2', kind: 'note', body: 'through B' } });
    const apiA = await request.newContext({ baseURL: `http://127.0.0.1:${portA}` });
    await apiA.post('/api/login', { form: { email: BEN, password: PASSWORD } });
    await apiA.post('/api/incidents/note', { form: { id: '2', kind: 'note', body: 'through A' } });
    await expect(page.getByTestId('timeline')).toContainText('through A', { timeout: 2_000 });
    const latest = await items.locator('.summary').allTextContents();
    expect(latest.slice(0, 2)).toEqual(['through A', 'through B']);
    await api.dispose();
    await apiA.dispose();
  } finally {
    a.kill('SIGKILL');
    b.kill('SIGKILL');
  }
});
