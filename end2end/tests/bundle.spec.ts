import { test, expect, Page } from '@playwright/test';
import { BEN, hydrated, newSignedIn } from './helpers';

/** The app's WASM files this document has fetched so far (from the network or the cache). */
async function wasmLoaded(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    performance.getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname)
      .filter((p) => p.startsWith('/pkg/app/') && p.endsWith('.wasm'))
      .map((p) => p.split('/').pop()!));
}

test('the response path comes in one module; another page brings its own chunk when it is first shown', async ({ browser }) => {
  const [ctx, page] = await newSignedIn(browser, BEN);
  // a direct load of the incident list: the app's main module, which holds the pages of the
  // response (incidents, war room, declaring, alerts); none of the other pages' chunks
  await page.goto('/incidents');
  await hydrated(page);
  let loaded = await wasmLoaded(page);
  expect(loaded).toEqual(['klaxon.wasm']);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Incidents');

  // moving to another page in the app fetches that page's chunk, without reloading; on a
  // slow network the page says it is on its way
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route(/split___oncall_view_\w+\.wasm$/, async (route) => { await held; await route.continue(); });
  await page.evaluate(() => ((window as any).sameDocument = true));
  await expect(page.getByTestId('routing')).toHaveCount(0);
  await page.getByRole('navigation').getByRole('link', { name: 'On call' }).click();
  await expect(page.getByTestId('routing')).toHaveText('Loading…');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Incidents');
  release();
  await page.waitForURL('**/oncall');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('On call');
  await expect(page.getByTestId('routing')).toHaveCount(0);
  loaded = await wasmLoaded(page);
  expect(loaded.some((n) => /oncall/i.test(n)), loaded.join(' ')).toBe(true);
  expect(loaded.some((n) => /postmortem|schedule/i.test(n)), loaded.join(' ')).toBe(false);
  expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
  expect(loaded.filter((n) => n === 'klaxon.wasm')).toHaveLength(1);
  // and back: the list again, from the chunk already there
  await page.goBack();
  await page.waitForURL('**/incidents');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Incidents');
  expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
  await ctx.close();
});
