import { expect, test } from '@playwright/test';
import { ACCOUNTS, dbRows, signIn, trpcMutation } from './helpers';

/**
 * The new-run form on a continuous-action env: the pair selection (neural.pairSelection) is
 * offered there only, shows the env's own default, and what was chosen reaches the stored run config.
 */
test('a continuous run created in the browser stores the chosen pair selection', async ({ page }) => {
  await signIn(page, ACCOUNTS.researcher);
  await page.goto('/runs');
  await page.getByRole('button', { name: 'New run' }).click();
  const form = page.getByRole('form', { name: 'Create a run' });
  await form.locator('[name=envId]').selectOption('grid5');
  await expect(form.locator('[name=pairSelection]')).toHaveCount(0); // discrete: querySelection applies
  await form.locator('[name=envId]').selectOption('pendulum');
  await expect(form.locator('[name=pairSelection]')).toHaveValue(''); // blank: the env's default
  await expect(form.getByText('Pair selection (continuous)')).toContainText('(default uniform)');
  await form.locator('[name=name]').fill(`e2e continuous ${Date.now()}`);
  await form.locator('[name=instructions]').fill('Which clip keeps the pendulum upright longer?');
  await form.locator('[name=pairSelection]').selectOption('disagreement');
  await form.getByRole('button', { name: 'Create run' }).click();
  const created = page.getByRole('status').filter({ hasText: /Created run #\d+/ });
  await expect(created).toBeVisible();
  const runId = Number(/#(\d+)/.exec((await created.textContent()) ?? '')?.[1]);
  // The trainer need not spend the test's time on SAC: this test is about the stored config.
  await trpcMutation(page.request, 'runs.pause', { runId });
  const [stored] = dbRows<{ envId: string; config: string }>('select env_id as envId, config from runs where id = ?', runId);
  expect(stored?.envId).toBe('pendulum');
  expect(JSON.parse(stored!.config).neural).toEqual({ pairSelection: 'disagreement' });
});
