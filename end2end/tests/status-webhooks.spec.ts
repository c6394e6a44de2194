import { test, expect } from '@playwright/test';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { BEN, hydrated, signIn } from './helpers';

// A webhook receiver on loopback (the test server allows private targets).
function receiver(): Promise<{ url: string; bodies: any[]; close: () => void }> {
  const bodies: any[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      try { bodies.push(JSON.parse(data)); } catch { bodies.push({ unreadable: data }); }
      res.writeHead(200).end('ok');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    resolve({ url: `http://127.0.0.1:${port}/hook`, bodies, close: () => server.close() });
  }));
}

test('a customer subscribes a webhook on the status page and receives the next public update', async ({ browser }) => {
  const hook = await receiver();
  const customer = await (await browser.newContext()).newPage();
  await customer.goto('/status');
  await hydrated(customer);
  const form = customer.getByTestId('subscribe');
  await form.getByLabel('Webhook URL (Slack-compatible)').fill(hook.url);
  await form.getByRole('button', { name: 'Subscribe' }).click();
  await expect(customer.getByRole('heading', { level: 1 })).toHaveText('Subscribed');
  const token = (await customer.getByTestId('token').innerText()).trim();
  expect(token).toMatch(/^[0-9a-f]{64}$/);

  const page = await (await browser.newContext()).newPage();
  await signIn(page, BEN, '/incidents');
  await page.getByTestId('incident-list').getByRole('link', { name: 'Checkout errors' }).click();
  await hydrated(page);
  const panel = page.getByTestId('public-update');
  await panel.getByLabel('Update status').selectOption('identified');
  await panel.getByLabel('Message').fill('The payment provider is failing some requests; we are switching providers.');
  await panel.getByRole('button', { name: 'Post public update' }).click();
  await expect(panel.getByTestId('public-now')).toContainText('Identified');

  await expect.poll(() => hook.bodies.length, { timeout: 15_000 }).toBeGreaterThan(0);
  const body = hook.bodies[0];
  expect(body.text).toContain('— Identified*');
  expect(body.text).toContain('we are switching providers.');
  expect(body.meta.unsubscribe_token).toBe(token);
  expect(JSON.stringify(body)).not.toContain('Checkout errors');

  // unsubscribing through the delivery's link
  await customer.goto(body.meta.unsubscribe.replace(/^https?:\/\/[^/]+/, ''));
  await customer.getByRole('button', { name: 'Stop sending updates to this webhook' }).click();
  await expect(customer.getByRole('heading', { level: 1 })).toHaveText('Unsubscribed');
  hook.close();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('a webhook address that is not http(s) gets a clear answer', async ({ page }) => {
    await page.goto('/status');
    const form = page.getByTestId('subscribe');
    await form.getByLabel('Webhook URL (Slack-compatible)').fill('ftp://files.example.com/hook');
    await form.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByRole('alert')).toHaveText('Only http and https addresses can receive webhooks.');
    await page.getByRole('link', { name: 'Back to the status page' }).click();
    await expect(page).toHaveURL(/\/status$/);
  });
});
