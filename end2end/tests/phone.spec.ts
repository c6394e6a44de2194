import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { ADA, hydrated, signIn } from './helpers';

const PHONE = { width: 360, height: 740 };
const BACKGROUND = { light: 'rgb(246, 247, 249)', dark: 'rgb(15, 18, 22)' };

/** Fails unless the page fits the screen's width and passes axe's WCAG AA contrast rule. */
async function fitsAndReads(page: Page, path: string, scheme: 'light' | 'dark', js = true) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${path} (${scheme}) is ${overflow} px wider than the screen`).toBeLessThanOrEqual(0);
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), `${path} in the ${scheme} theme`).toBe(BACKGROUND[scheme]);
  if (!js) return; // axe runs as a script in the page
  const { violations } = await new AxeBuilder({ page }).withRules(['color-contrast']).analyze();
  const found = violations.flatMap((v) => v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`));
  expect(found, `${path} (${scheme}) contrast`).toEqual([]);
}

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`on a 360 px phone, ${scheme} theme`, () => {
    test.use({ viewport: PHONE, colorScheme: scheme });

    test('every page fits the screen and has AA contrast', async ({ page }) => {
      // and hydrates without a panic (a page whose script died still looks right)
      const crashes: string[] = [];
      page.on('pageerror', (e) => crashes.push(`${page.url()}: ${e.message}`));
      const incidents = await (await page.request.get('/api/v2/incidents.json')).json();
      const publicIncident = `/status/incidents/${incidents.incidents[0].id}`;
      for (const path of ['/status', '/status/history', publicIncident, '/login']) {
        await page.goto(path);
        await hydrated(page);
        await fitsAndReads(page, path, scheme);
      }
      await signIn(page, ADA);
      const warRoom = await page.getByTestId('incident-list').getByRole('link', { name: 'Checkout errors' }).getAttribute('href');
      for (const path of ['/incidents', warRoom!, '/incidents/new', '/runbooks', '/status-page', '/status-page/webhooks', '/inbox', '/inbox/rules', '/audiences', '/oncall', '/alerts', '/services', '/action-items', '/postmortems/1', '/insights', '/near-misses', '/readiness', '/drills']) {
        await page.goto(path);
        await hydrated(page);
        await fitsAndReads(page, path, scheme);
      }
      // a schedule's calendar, a week and a month
      await page.goto('/oncall');
      const calendar = await page.getByRole('link', { name: 'Payments primary' }).getAttribute('href');
      for (const path of [calendar!, `${calendar}?view=month`]) {
        await page.goto(path);
        await hydrated(page);
        // (a phone's month view hides the days of the months around it, and their shifts)
        await expect(page.getByTestId('calendar').locator('.bar:visible').first()).toBeVisible();
        await fitsAndReads(page, path, scheme);
      }
      // the war room's timeline keeps a readable text column (it collapsed to a letter a line)
      await page.goto(warRoom!);
      await hydrated(page);
      const widths = await page.locator('.timeline .summary').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
      expect(widths.length).toBeGreaterThan(0);
      expect(Math.min(...widths)).toBeGreaterThan(250);
      expect(crashes).toEqual([]);
    });
  });
}

test.describe('on a phone without JavaScript', () => {
  test.use({ viewport: PHONE, javaScriptEnabled: false, colorScheme: 'dark' });

  test('the public pages and sign-in fit the screen and follow the dark preference', async ({ page }) => {
    for (const path of ['/status', '/status/history', '/login']) {
      await page.goto(path);
      await fitsAndReads(page, path, 'dark', false);
    }
  });
});

test('the theme switch is remembered, on internal and public pages alike', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await signIn(page, ADA);
  const theme = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await theme()).toBe(BACKGROUND.light);
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await theme()).toBe(BACKGROUND.dark);
  await page.reload();
  await hydrated(page);
  expect(await theme()).toBe(BACKGROUND.dark);
  await page.goto('/status');
  await hydrated(page);
  expect(await theme()).toBe(BACKGROUND.dark);
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.goto('/incidents');
  await hydrated(page);
  expect(await theme()).toBe(BACKGROUND.light);
});
