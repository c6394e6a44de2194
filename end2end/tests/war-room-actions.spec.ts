import { test, expect } from '@playwright/test';
import { ADA, BEN, declare, hydrated, signIn } from './helpers';

const RUNBOOK = `metadata:
  title: Search is down
  service: search
  severity: sev2
  owner: search-team
  alert_names: [SearchErrors]
diagnosis:
  - step: Check the search cluster health
    command: curl -s http://search.internal/_cluster/health
    expected: status green
mitigation:
  - option: Restart the search pods
    when: the cluster is red
    command: kubectl -n search rollout restart deploy/search
    verify: health turns green
recovery:
  - Re-index the products updated during the outage
`;

test('an admin imports a runbook; the war room shows it and responders tick its steps', async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, ADA, '/runbooks');
  await admin.getByRole('button', { name: 'Import runbook (YAML)' }).click();
  const editor = admin.getByTestId('runbook-editor');
  await editor.getByLabel('Runbook YAML').fill('metadata: [broken');
  await editor.getByRole('button', { name: 'Save' }).click();
  await expect(editor.getByRole('alert')).toContainText('not a runbook');
  await editor.getByLabel('Runbook YAML').fill(RUNBOOK);
  await editor.getByRole('button', { name: 'Save' }).click();
  await expect(admin.getByRole('heading', { name: 'Search is down' })).toBeVisible();
  await expect(admin.getByTestId('runbook-editor')).toHaveCount(0);

  const page = await (await browser.newContext()).newPage();
  await signIn(page, BEN);
  await declare(page, 'Search returns nothing', ['No', 'No', 'No', 'No', 'No', 'Yes'], ['Search']);
  const panel = page.getByTestId('runbooks');
  await expect(panel).toContainText('Search is down');
  await expect(panel.locator('pre code').first()).toHaveText('curl -s http://search.internal/_cluster/health');
  await expect(panel.getByRole('button', { name: 'Copy' }).first()).toBeVisible();
  const step = panel.locator('[data-step="mitigation.0"]');
  await step.getByRole('button', { name: 'Mark done' }).click();
  await expect(step).toContainText('✓ done');
  await expect(page.getByTestId('timeline')).toContainText('Runbook step done: Restart the search pods');
  // reloaded, the tick is still there
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('runbooks').locator('[data-step="mitigation.0"]')).toContainText('✓ done');
});

test('severity changes need a reason; causes and links are recorded; a resolved incident reopens', async ({ page }) => {
  await signIn(page, BEN);
  // detected two hours ago, typed in the browser's local time
  const detected = new Date(Date.now() - 2 * 3600_000);
  detected.setSeconds(0, 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = `${detected.getFullYear()}-${pad(detected.getMonth() + 1)}-${pad(detected.getDate())}T${pad(detected.getHours())}:${pad(detected.getMinutes())}`;
  await declare(page, 'Slow checkout', ['No', 'No', 'No', 'No', 'No', 'Yes'], ['Checkout'], local);
  await expect(page.getByTestId('severity')).toHaveText('SEV3');
  const shown = await page.locator('dd time').first().getAttribute('datetime');
  expect(new Date(shown!).getTime()).toBe(detected.getTime());
  await expect(page.locator('.since')).toContainText(/Detected 2h 0\dm/);

  const actions = page.getByTestId('status-actions');
  await actions.locator('select[name="to"]').selectOption('sev1');
  await actions.getByPlaceholder('Why?').fill('Now failing for everyone');
  await actions.getByRole('button', { name: 'Change severity' }).click();
  await expect(page.getByTestId('severity')).toHaveText('SEV1');
  await expect(page.getByTestId('timeline')).toContainText('Severity SEV3 → SEV1: Now failing for everyone');
  await expect(page.getByTestId('timeline')).toContainText('Executives notified');

  const change = page.getByTestId('record-change');
  await change.locator('select[name="change"]').selectOption('deploy');
  await change.getByPlaceholder('What changed?').fill('checkout v4.2.0 rolled out');
  await change.getByPlaceholder(/https/).fill('https://ci.example.com/deploys/981');
  await change.getByRole('button', { name: 'Record change' }).click();
  await expect(page.getByTestId('timeline')).toContainText('Possible cause recorded (Deploy): checkout v4.2.0 rolled out');
  await expect(page.getByRole('link', { name: 'Deploy: checkout v4.2.0 rolled out' })).toHaveAttribute('href', 'https://ci.example.com/deploys/981');

  await actions.getByRole('button', { name: '→ Resolved' }).click();
  await expect(page.getByTestId('status')).toHaveText('Resolved');
  await expect(page.getByTestId('timers')).toBeEmpty();
  await actions.getByRole('button', { name: 'Reopen' }).click();
  await expect(page.getByTestId('status')).toHaveText('Investigating');
  await expect(page.getByTestId('timeline')).toContainText('Status Resolved → Investigating');
});
