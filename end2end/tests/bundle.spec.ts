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

test('the incident list comes in the main module; another page brings its part of the app when it is first shown', async ({ browser }) => {
  const [ctx, page] = await newSignedIn(browser, BEN);
  // a direct load of the incident list: the app's main module (the shell, signing in, the
  // list); none of the lazily loaded parts
  await page.goto('/incidents');
  await hydrated(page);
  let loaded = await wasmLoaded(page);
  expect(loaded).toEqual(['klaxon.wasm']);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Incidents');

  // moving to another page in the app fetches that page's chunk, without reloading; on a
  // slow network the page says it is on its way
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route(/split_oncall_pages_\w+\.wasm$/, async (route) => { await held; await route.continue(); });
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

test('a page in a lazily loaded part names its files as preloads, and the browser fetches each once', async ({ browser }) => {
  const [ctx, page] = await newSignedIn(browser, BEN);
  const response = await page.goto('/incidents/1');
  await hydrated(page);
  // `Link: </pkg/app/<build>/split_response_….wasm>; rel=preload; as=fetch; …` and the chunks it shares
  const preloads = [...(response!.headers()['link'] ?? '').matchAll(/<([^>]+)>;\s*rel=preload/g)].map((m) => m[1]);
  const parts = preloads.filter((p) => /\/split_\w+\.wasm$/.test(p));
  // the war room's part, and no other page's
  expect(parts.map((p) => p.split('/').pop()!.replace(/_\d+\.wasm$/, '')), preloads.join(' ')).toEqual(['split_response']);
  expect(preloads.every((p) => p.startsWith('/pkg/app/') && p.endsWith('.wasm')), preloads.join(' ')).toBe(true);
  const fetched = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm')));
  for (const p of preloads) {
    // fetched, and once: the loader's own request took the preloaded response
    expect(fetched.filter((f) => f === p), `${p} in ${fetched.join(' ')}`).toHaveLength(1);
  }
  // and the page works: the war room of the incident
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByTestId('timeline')).toBeVisible();
  // a page of the main module names no part
  const list = await page.goto('/incidents');
  expect(list!.headers()['link'] ?? '').not.toContain('split_');
  await ctx.close();
});
