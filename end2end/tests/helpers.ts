import { expect, Page, Browser, BrowserContext } from '@playwright/test';
import http from 'node:http';
import { AddressInfo } from 'node:net';

export const PASSWORD = 'klaxon-demo';
export const ADA = 'ada@example.com';   // admin
export const BEN = 'ben@example.com';   // responder
export const CLEO = 'cleo@example.com'; // responder
export const VIC = 'vic@example.com';   // viewer

/** Waits until the page's script runs: the app marks <body data-hydrated> once hydrated, the public pages' small script once it has started. */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

export async function signIn(page: Page, email: string, next = '/incidents') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === next);
  await hydrated(page);
}

export async function newSignedIn(browser: Browser, email: string, next = '/incidents'): Promise<[BrowserContext, Page]> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, email, next);
  return [ctx, page];
}

/** Declares an incident through the triage and returns its war-room path. */
export async function declare(page: Page, title: string, answers: ('Yes' | 'No' | 'Not sure')[], services = ['Checkout'], detectedAt?: string, drill = false) {
  await page.goto('/incidents/new');
  await hydrated(page);
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Impact', { exact: true }).fill('Customers see errors');
  for (const s of services) await page.getByLabel(s, { exact: true }).check();
  if (detectedAt) await page.getByLabel(/Detected at/).fill(detectedAt);
  if (drill) await page.getByLabel(/This is a drill/).check();
  for (const a of answers) {
    await page.getByTestId('triage').getByRole('button', { name: a, exact: true }).click();
  }
  await expect(page.getByTestId('proposal')).toBeVisible();
  await page.getByRole('button', { name: /^Declare/ }).click();
  await page.waitForURL(/\/incidents\/\d+$/);
  await hydrated(page);
  return new URL(page.url()).pathname;
}

// A webhook receiver on loopback (the test server allows private targets). It keeps the
// confirmation request apart and answers it with its challenge (`confirm: 'echo'`) or with a
// plain "ok", as a Slack incoming webhook does (`'ignore'`: a person confirms through the
// link); it answers `status` to every delivery.
export function receiver(status = 200, confirm: 'echo' | 'ignore' = 'echo'): Promise<{ url: string; bodies: any[]; confirmations: any[]; close: () => void }> {
  const bodies: any[] = [];
  const confirmations: any[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      let body: any;
      try { body = JSON.parse(data); } catch { body = { unreadable: data }; }
      if (body.type === 'subscription_confirmation') {
        confirmations.push(body);
        if (confirm === 'echo') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: body.challenge }));
        return res.writeHead(200).end('ok');
      }
      bodies.push(body);
      res.writeHead(status).end('ok');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    resolve({ url: `http://127.0.0.1:${port}/hook`, bodies, confirmations, close: () => server.close() });
  }));
}
