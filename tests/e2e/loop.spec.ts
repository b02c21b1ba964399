import { expect, test, type Page } from '@playwright/test';
import { ACCOUNTS, openTestDb, signIn } from './helpers';

/**
 * The closed loop, end to end, against the real trainer service that `scripts/start.ts` runs
 * beside the web server: a researcher creates a grid5 run in the browser (label batch 2), an
 * annotator labels that run's pairs in the browser, the service consumes the batch and advances
 * the run's iteration (seen on the runs page, which refreshes by itself), and the annotator's
 * queue then serves pairs drawn by the new checkpoint.
 */

const LABEL_BATCH = 2;

function dbQuery<T>(sql: string, ...params: unknown[]): T[] {
  const db = openTestDb();
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The iteration of the checkpoint that drew a pair (null for seeded pairs). */
function pairIteration(pairId: number): { runId: number; iteration: number | null } {
  const [row] = dbQuery<{ runId: number; iteration: number | null }>(
    `select p.run_id as runId, c.iteration as iteration from pairs p left join checkpoints c on c.id = p.checkpoint_id where p.id = ?`,
    pairId,
  );
  if (!row) throw new Error(`pair ${pairId} is not in the database`);
  return row;
}

const currentPairId = async (page: Page) => Number(await page.locator('.label-page').getAttribute('data-pair-id'));

/** Labels the pair on screen with the left arrow, as a person does, and returns its id. */
async function labelCurrentPair(page: Page): Promise<number> {
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2);
  await expect(page.locator('.label-page')).toHaveAttribute('data-pair-id', /\d+/);
  const pairId = await currentPairId(page);
  await page.waitForTimeout(150); // a person looks before choosing
  await page.keyboard.press('ArrowLeft');
  await expect.poll(() => currentPairId(page)).not.toBe(pairId);
  return pairId;
}

test('labels given in the browser advance a new run and bring pairs from its next checkpoint', async ({ page, browser }) => {
  // 1. A researcher creates the run from the runs page; a bad value is refused in words first.
  await signIn(page, ACCOUNTS.researcher);
  await page.goto('/runs');
  await page.getByRole('button', { name: 'New run' }).click();
  const form = page.getByRole('form', { name: 'Create a run' });
  await form.locator('[name=name]').fill(`e2e loop ${Date.now()}`);
  await form.locator('[name=envId]').selectOption('grid5');
  await expect(form.locator('[name=algorithm]')).toHaveValue('sobirl');
  await expect(form.locator('[name=gamma]')).toHaveValue('0.9'); // the default, shown
  await form.locator('[name=instructions]').fill('Which clip reaches the green corner sooner and stays there?');
  await form.locator('[name=labelBatchSize]').fill(String(LABEL_BATCH));
  await form.locator('[name=gamma]').fill('1.5');
  await form.getByRole('button', { name: 'Create run' }).click();
  await expect(form.getByRole('alert')).toContainText('Discount γ must be less than 1.');
  await form.locator('[name=gamma]').fill('0.9');
  // Settings beyond what one trainer can hold are refused in words, with the limit (shown up front too).
  await expect(form.getByTestId('run-limits')).toContainText('≤ 2,000 pairs');
  await form.locator('[name=labelBatchSize]').fill('1024');
  await form.locator('[name=pendingFactor]').fill('20');
  await form.getByRole('button', { name: 'Create run' }).click();
  await expect(form.getByRole('alert')).toContainText('20,480 pending pairs; the limit is 2,000');
  await form.locator('[name=labelBatchSize]').fill(String(LABEL_BATCH));
  await form.locator('[name=pendingFactor]').fill('2');
  await form.getByRole('button', { name: 'Create run' }).click();
  const created = page.getByRole('status').filter({ hasText: /Created run #\d+/ });
  await expect(created).toBeVisible();
  const runId = Number(/#(\d+)/.exec((await created.textContent()) ?? '')?.[1]);
  expect(runId).toBeGreaterThan(0);
  const row = page.getByTestId(`run-row-${runId}`);
  await expect(row).toHaveAttribute('data-status', 'active');
  await expect(row.getByTestId('iteration')).toHaveText('0');
  // The trainer's heartbeat reaches the page through the database.
  await expect(page.getByTestId('trainer-health')).toHaveAttribute('data-state', 'healthy');
  await expect(page.getByTestId('trainer-health')).toContainText('trainer: healthy');
  const [stored] = dbQuery<{ labelBatchSize: number; envId: string; config: string }>(
    'select label_batch_size as labelBatchSize, env_id as envId, config from runs where id = ?', runId,
  );
  expect(stored).toMatchObject({ labelBatchSize: LABEL_BATCH, envId: 'grid5' });
  expect(JSON.parse(stored!.config)).toMatchObject({ gamma: 0.9, querySelection: 'disagreement' });

  // 2. An annotator, in a browser of their own, labels that run's first pairs (the trainer's
  //    bootstrap checkpoint, iteration 0, queues them within a second of the run's creation).
  const annotatorContext = await browser.newContext();
  try {
    const annotator = await annotatorContext.newPage();
    await signIn(annotator, ACCOUNTS.annotator1);
    // Annotators never see the runs page, nor may they control runs through the API.
    expect((await annotator.goto('/runs'))?.status()).toBe(403);
    expect((await annotator.request.post('/api/trpc/runs.pause', { data: { runId } })).status()).toBe(403);
    await annotator.goto(`/label?run=${runId}`);
    const firstBatch: number[] = [];
    for (let i = 0; i < LABEL_BATCH; i++) firstBatch.push(await labelCurrentPair(annotator));
    for (const pairId of firstBatch) expect(pairIteration(pairId)).toEqual({ runId, iteration: 0 });
    await expect(annotator.locator('.status-line .saving')).toHaveCount(0);

    // 3. The service picks the batch up: the runs page (no reload) shows the iteration advance.
    await expect(row.getByTestId('iteration')).not.toHaveText('0', { timeout: 30_000 });
    const checkpoints = dbQuery<{ iteration: number; labelsUsed: number }>(
      'select iteration, labels_used as labelsUsed from checkpoints where run_id = ? order by iteration', runId,
    );
    expect(checkpoints[0]?.iteration).toBe(0);
    expect(checkpoints.find((c) => c.iteration === 1)?.labelsUsed).toBeGreaterThanOrEqual(LABEL_BATCH);
    const [queued] = dbQuery<{ n: number }>(
      `select count(*) as n from pairs p join checkpoints c on c.id = p.checkpoint_id
        where p.run_id = ? and c.iteration >= 1 and p.status = 'pending'`, runId,
    );
    expect(queued!.n).toBeGreaterThan(0);

    // 4. ...and the annotator's queue serves pairs from the new checkpoint: once the pairs they
    //    already held (current and prefetched, leased before the iteration) are labeled, the
    //    next one on screen was drawn by an iteration >= 1.
    let onScreen = await currentPairId(annotator);
    for (let guard = 0; pairIteration(onScreen).iteration === 0 && guard < 4; guard++) {
      await labelCurrentPair(annotator);
      onScreen = await currentPairId(annotator);
    }
    expect(pairIteration(onScreen).runId).toBe(runId);
    expect(pairIteration(onScreen).iteration).toBeGreaterThanOrEqual(1);
    await expect(annotator.getByTestId('instructions')).toContainText('green corner sooner');
  } finally {
    await annotatorContext.close();
  }

  // 5. The researcher pauses the run from the table, then stops it (stop asks first).
  await row.getByRole('button', { name: /^Pause / }).click();
  await expect(row).toHaveAttribute('data-status', 'paused');
  await row.getByRole('button', { name: /^Stop / }).click();
  await row.getByRole('button', { name: 'Keep it' }).click();
  await expect(row).toHaveAttribute('data-status', 'paused');
  await row.getByRole('button', { name: /^Resume / }).click();
  await expect(row).toHaveAttribute('data-status', 'active');
  await row.getByRole('button', { name: /^Stop / }).click();
  await row.getByRole('button', { name: 'Yes, stop it' }).click();
  await expect(row).toHaveAttribute('data-status', 'stopped');
  await expect(row.getByRole('button')).toHaveCount(0);
});
