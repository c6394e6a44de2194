import { expect, Page, Browser, BrowserContext } from '@playwright/test';

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
export async function declare(page: Page, title: string, answers: ('Yes' | 'No' | 'Not sure')[], services = ['Checkout'], detectedAt?: string) {
  await page.goto('/incidents/new');
  await hydrated(page);
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Impact', { exact: true }).fill('Customers see errors');
  for (const s of services) await page.getByLabel(s, { exact: true }).check();
  if (detectedAt) await page.getByLabel(/Detected at/).fill(detectedAt);
  for (const a of answers) {
    await page.getByTestId('triage').getByRole('button', { name: a, exact: true }).click();
  }
  await expect(page.getByTestId('proposal')).toBeVisible();
  await page.getByRole('button', { name: /^Declare/ }).click();
  await page.waitForURL(/\/incidents\/\d+$/);
  await hydrated(page);
  return new URL(page.url()).pathname;
}
