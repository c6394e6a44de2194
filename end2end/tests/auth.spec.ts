import { test, expect } from '@playwright/test';
import { BEN, hydrated, signIn } from './helpers';

test('internal pages send anonymous readers to sign in, and back after', async ({ page }) => {
  await page.goto('/incidents');
  await expect(page).toHaveURL(/\/login\?next=%2Fincidents|\/login\?next=\/incidents/);
  await signIn(page, BEN);
  await expect(page.getByTestId('me')).toContainText('Ben Okafor');
});

test('a wrong password and an unknown email get the same message', async ({ page }) => {
  for (const email of [BEN, 'nobody@example.com']) {
    await page.goto('/login');
    await hydrated(page);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  }
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page, BEN);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login/);
  await page.goto('/incidents');
  await expect(page).toHaveURL(/\/login/);
});
