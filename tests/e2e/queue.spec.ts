import { expect, test, type APIRequestContext } from '@playwright/test';
import { ACCOUNTS, openTestDb, signIn } from './helpers';

// Runs last (files run in name order, one worker): its last test pauses every run, which the
// other specs need active.

test('a submit that hits a network failure is retried with the same id and stored once', async ({ page }) => {
  let aborted = 0;
  await page.route('**/api/trpc/**', async (route) => {
    if (aborted === 0 && route.request().url().includes('label.submit')) {
      aborted++;
      await route.abort('failed');
      return;
    }
    await route.continue();
  });
  await signIn(page, ACCOUNTS.annotator2);
  await expect(page.locator('[data-slot="next"] canvas')).toHaveCount(2);
  const pairId = Number(await page.locator('.label-page').getAttribute('data-pair-id'));
  await page.waitForTimeout(150);
  await page.keyboard.press('ArrowUp');
  await expect.poll(() => aborted).toBe(1);
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

async function trpcQuery(request: APIRequestContext, path: string, input?: unknown) {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await request.get(`/api/trpc/${path}${query}`);
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).result.data;
}

async function trpcMutation(request: APIRequestContext, path: string, input: unknown) {
  const res = await request.post(`/api/trpc/${path}`, { data: input });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).result.data;
}

test('an empty queue says so, polls by itself, and shows a new pair when the trainer adds one', async ({ page }) => {
  await signIn(page, ACCOUNTS.researcher);
  // The trainer service keeps every active run's queue at least 2x its label batch deep, so
  // labeling cannot drain it: pause every active run instead (a paused run's pairs are not
  // served), which empties the queue whatever the trainer added.
  const runs = (await trpcQuery(page.request, 'runs.list')) as Array<{ id: number; status: string }>;
  for (const run of runs.filter((r) => r.status === 'active')) await trpcMutation(page.request, 'runs.pause', { runId: run.id });
  await page.goto('/label');
  await expect(page.getByTestId('queue-empty')).toContainText('No pairs waiting — checking again…');
  await expect(page.getByRole('button', { name: /Left better/ })).toBeDisabled();

  // A new run: only the trainer (another process) can queue its first pairs.
  const created = (await trpcMutation(page.request, 'runs.create', {
    name: `e2e queue refill ${Date.now()}`, envId: 'grid5', instructions: 'Which clip reaches the green corner?', labelBatchSize: 4,
  })) as { id: number };
  const runOfPair = (pairId: number) => {
    const db = openTestDb();
    try {
      return (db.prepare('select run_id as runId from pairs where id = ?').get(pairId) as { runId: number } | undefined)?.runId ?? null;
    } finally {
      db.close();
    }
  };
  // No reload: the page's own polling finds it.
  await expect
    .poll(async () => {
      const pairId = Number(await page.locator('.label-page').getAttribute('data-pair-id'));
      return pairId > 0 ? runOfPair(pairId) : null;
    }, { timeout: 20_000 })
    .toBe(created.id);
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2);
});
