import { test, expect } from '@playwright/test';
import { ADA, declare, hydrated, receiver, signIn } from './helpers';

test('an admin says who is told; a SEV1 with data exposure tells them in their inbox and by webhook, and the timeline says so', async ({ page }) => {
  const hook = await receiver(200);
  await signIn(page, ADA);
  await page.goto('/audiences');
  await hydrated(page);
  const executives = page.locator('[data-audience="executives"]');
  const security = page.locator('[data-audience="security_and_legal"]');
  await expect(security.getByTestId('audience-empty')).toBeVisible();
  await executives.getByLabel('Person').selectOption({ label: 'Ada Lovelace' });
  await executives.getByRole('button', { name: 'Add person' }).click();
  await expect(executives.locator('[data-member="person"]')).toContainText('Ada Lovelace');
  // an address that is not http(s) is refused with a clear message, and nothing is added
  await executives.getByLabel('Webhook address').fill('ftp://files.example.com/drop');
  await executives.getByRole('button', { name: 'Add address' }).click();
  await expect(page.getByRole('alert')).toContainText('http');
  await executives.getByLabel('Webhook address').fill(hook.url);
  await executives.getByRole('button', { name: 'Add address' }).click();
  await expect(executives.locator('[data-member="webhook"]')).toHaveCount(1);
  await expect(executives.locator('[data-member="webhook"]')).toContainText('127.0.0.1');

  const path = await declare(page, 'Card numbers in logs', ['No', 'Yes']);
  const timeline = page.getByTestId('timeline');
  await expect(timeline).toContainText('Executives notified');
  await expect(timeline).toContainText('Executives: told Ada Lovelace');
  await expect(timeline).toContainText('Security and Legal: nobody is set up to be told');
  // the queue sends the address its message at once; the timeline shows it was delivered, live
  await expect.poll(() => hook.bodies.length).toBe(1);
  expect(hook.bodies[0].audience).toBe('executives');
  expect(hook.bodies[0].text).toContain('Card numbers in logs');
  await expect(timeline).toContainText(/Executives: told http:\/\/127\.0\.0\.1:\d+\/…hook/);

  await page.goto('/inbox');
  await hydrated(page);
  const inbox = page.getByTestId('inbox');
  await expect(inbox).toContainText('Executives are told because a SEV1 was declared: "Card numbers in logs"');
  await inbox.getByRole('link', { name: /Card numbers in logs/ }).first().click();
  await page.waitForURL((u) => u.pathname === path);

  // leave the audiences as the other tests expect them
  await page.goto('/audiences');
  await hydrated(page);
  for (const label of [/Remove http/, 'Remove Ada Lovelace']) {
    await executives.getByRole('button', { name: label }).click();
  }
  await expect(executives.getByTestId('audience-empty')).toBeVisible();
  hook.close();
});
