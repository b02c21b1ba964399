import { expect, test } from '@playwright/test';
import { ACCOUNTS, labelRun, openTestDb, signIn, trpcMutation, trpcQuery } from './helpers';

// Runs last (files run in name order, one worker): its last test pauses every run, which the
// other specs need active.

test('a submit that hits a network failure is retried with the same id and stored once', async ({ page }) => {
  let aborted = 0;
  await page.route('**/api/trpc/**', async (route) => {
    // The first two attempts fail: the retry waits 300 ms, then 1 s, long enough to see the warning.
    if (aborted < 2 && route.request().url().includes('label.submit')) {
      aborted++;
      await route.abort('failed');
      return;
    }
    await route.continue();
  });
  await signIn(page, ACCOUNTS.annotator2);
  await labelRun(page);
  await expect(page.locator('[data-slot="next"] canvas')).toHaveCount(2);
  const pairId = Number(await page.locator('.label-page').getAttribute('data-pair-id'));
  await page.waitForTimeout(150);
  await page.keyboard.press('ArrowUp');
  await expect(page.getByTestId('unsaved')).toContainText('1 label not saved yet, retrying');
  await expect.poll(() => aborted).toBe(2);
  await expect(page.getByTestId('unsaved')).toHaveCount(0);
  await expect(page.locator('.status-line .saving')).toHaveCount(0);

  const db = openTestDb();
  try {
    const rows = db.prepare(
      `select l.choice, l.submission_id as submissionId from labels l join users u on u.id = l.user_id
        where u.email = ? and l.pair_id = ?`,
    ).all(ACCOUNTS.annotator2.email, pairId);
    expect(rows).toEqual([{ choice: 'equal', submissionId: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
  } finally {
    db.close();
  }
});

test('Z more than 30 s after a label says it is too late to undo', async ({ page }) => {
  await page.clock.install();
  await signIn(page, ACCOUNTS.annotator2);
  await labelRun(page);
  await expect(page.locator('[data-slot="next"] canvas')).toHaveCount(2);
  const pairId = Number(await page.locator('.label-page').getAttribute('data-pair-id'));
  await page.waitForTimeout(150);
  await page.keyboard.press('ArrowLeft');
  await expect.poll(async () => Number(await page.locator('.label-page').getAttribute('data-pair-id'))).not.toBe(pairId);
  await expect(page.locator('.status-line .saving')).toHaveCount(0);
  await page.clock.fastForward('00:31');
  await page.keyboard.press('z');
  await expect(page.getByTestId('toast')).toHaveText('Too late to undo');
  expect(Number(await page.locator('.label-page').getAttribute('data-pair-id'))).not.toBe(pairId);
});

test('a paused run says so instead of "empty", and its pairs show by themselves once it resumes', async ({ page }) => {
  await signIn(page, ACCOUNTS.researcher);
  // The trainer keeps every active run's queue full; pause the others so only this run matters.
  const runs = (await trpcQuery(page.request, 'runs.list')) as Array<{ id: number; status: string }>;
  for (const run of runs.filter((r) => r.status === 'active')) await trpcMutation(page.request, 'runs.pause', { runId: run.id });
  const created = (await trpcMutation(page.request, 'runs.create', {
    name: `e2e queue refill ${Date.now()}`, envId: 'grid5', instructions: 'Which clip reaches the green corner?', labelBatchSize: 4,
  })) as { id: number };
  await trpcMutation(page.request, 'runs.pause', { runId: created.id });
  await page.goto(`/label?run=${created.id}`);
  await expect(page.getByTestId('run-held')).toContainText('This run is paused.');
  await expect(page.getByTestId('queue-empty')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Left better/ })).toBeDisabled();

  await trpcMutation(page.request, 'runs.resume', { runId: created.id });
  const runOfPair = (pairId: number) => {
    const db = openTestDb();
    try {
      return (db.prepare('select run_id as runId from pairs where id = ?').get(pairId) as { runId: number } | undefined)?.runId ?? null;
    } finally {
      db.close();
    }
  };
  // No reload: the page's own polling finds the run active and its pairs.
  await expect
    .poll(async () => {
      const pairId = Number(await page.locator('.label-page').getAttribute('data-pair-id'));
      return pairId > 0 ? runOfPair(pairId) : null;
    }, { timeout: 30_000 })
    .toBe(created.id);
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2);
  await expect(page.getByTestId('run-held')).toHaveCount(0);
});
