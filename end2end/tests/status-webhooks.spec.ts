import { test, expect, Page } from '@playwright/test';
import { ADA, BEN, hydrated, receiver, signIn } from './helpers';

async function postPublicUpdate(page: Page, message: string) {
  await page.goto('/incidents');
  await page.getByTestId('incident-list').getByRole('link', { name: 'Checkout errors' }).click();
  await hydrated(page);
  const panel = page.getByTestId('public-update');
  await panel.getByLabel('Update status').selectOption('identified');
  await panel.getByLabel('Message').fill(message);
  await panel.getByRole('button', { name: 'Post public update' }).click();
  await expect(panel.getByTestId('public-now')).toContainText(message);
}

test('a customer subscribes a webhook on the status page, confirms it, and receives the next public update', async ({ browser }) => {
  const hook = await receiver(200, 'ignore');
  const customer = await (await browser.newContext()).newPage();
  await customer.goto('/status');
  await hydrated(customer);
  const form = customer.getByTestId('subscribe');
  await form.getByLabel('Webhook URL (Slack-compatible)').fill(hook.url);
  await form.getByRole('button', { name: 'Subscribe' }).click();
  await expect(customer.getByRole('heading', { level: 1 })).toHaveText('Confirm your subscription');
  const token = (await customer.getByTestId('token').innerText()).trim();
  expect(token).toMatch(/^[0-9a-f]{64}$/);

  // the confirmation request reached the receiver (a Slack channel, say); the customer
  // follows its link and confirms with the button
  expect(hook.confirmations).toHaveLength(1);
  expect(hook.confirmations[0].text).toContain('Confirm this webhook subscription');
  await customer.goto(hook.confirmations[0].confirm_url.replace(/^https?:\/\/[^/]+/, ''));
  await customer.getByRole('button', { name: "Send this status page's updates to the webhook" }).click();
  await expect(customer.getByRole('heading', { level: 1 })).toHaveText('Subscription confirmed');

  const page = await (await browser.newContext()).newPage();
  await signIn(page, BEN, '/incidents');
  await postPublicUpdate(page, 'The payment provider is failing some requests; we are switching providers.');
  await expect(page.getByTestId('public-now')).toContainText('Identified');

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

test('an admin sees a receiver that keeps failing and removes its subscription', async ({ browser }) => {
  const hook = await receiver(503);
  const customer = await (await browser.newContext()).newPage();
  const r = await customer.request.post('/status/subscriptions', { data: { url: hook.url } });
  expect(r.status()).toBe(201);

  const responder = await (await browser.newContext()).newPage();
  await signIn(responder, BEN, '/incidents');
  await postPublicUpdate(responder, 'A second payment provider is taking over.');
  await expect.poll(() => hook.bodies.length, { timeout: 15_000 }).toBeGreaterThan(0);
  // the screen is for admins only
  await responder.goto('/status-page/webhooks');
  await expect(responder.getByRole('heading', { level: 1 })).toHaveText('Not allowed');

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, ADA, '/status-page');
  await admin.getByRole('link', { name: 'Webhook subscriptions' }).click();
  await expect(admin).toHaveURL(/\/status-page\/webhooks$/);
  await hydrated(admin);
  const port = new URL(hook.url).port;
  const row = admin.getByTestId('webhooks').locator('tr', { hasText: `http://127.0.0.1:${port}/…hook` });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('waiting')).toHaveText('1');
  await expect(row.getByTestId('delivered')).toHaveText('0');
  await expect(row.getByTestId('last-error')).toHaveText('answered 503 Service Unavailable');
  await expect(row).toHaveClass(/troubled/);

  await row.getByRole('button', { name: `Remove http://127.0.0.1:${port}/…hook` }).click();
  await expect(row).toHaveCount(0);
  await admin.reload();
  await expect(admin.getByText('Nobody has subscribed a webhook yet.')).toBeVisible();
  // nothing more is sent to it
  const sent = hook.bodies.length;
  await postPublicUpdate(responder, 'The second provider is handling all payments.');
  await admin.waitForTimeout(2_500);
  expect(hook.bodies.length).toBe(sent);
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
