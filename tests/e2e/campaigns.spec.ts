import { expect, test, type Browser, type Page } from '@playwright/test';
import path from 'node:path';
import { ACCOUNTS, dbRows, insertRun, openWritableTestDb, setRunStatus, signIn, signOut, trpcMutation } from './helpers';

/**
 * Campaigns, as the "What must hold" lists them: assigned runs only, a paused run said
 * and refused, the `?` overlay, a practice round gating labels, an edit from the history and a
 * flagged clip reaching the trainer and the export, and a lone annotator on an overlap-2 run.
 * Every run made here is stopped at the end so the trainer is idle for the specs after this one.
 */

const labelPage = (page: Page) => page.locator('.label-page');
const currentPairId = async (page: Page) => Number(await labelPage(page).getAttribute('data-pair-id'));
const screenshotPath = (name: string) => (process.env.UPDATE_SCREENSHOTS ? path.join('docs', name) : test.info().outputPath(name));

const created: number[] = [];
test.afterAll(() => setRunStatus(created, 'stopped'));

function newRun(name: string, opts: { labelsWanted?: number; labelBatchSize?: number; config?: object } = {}): number {
  const id = insertRun({
    name,
    envId: 'grid5',
    algorithm: 'sobirl',
    config: opts.config ?? {},
    instructions: 'Which clip gets closer to the green goal corner?',
    labelBatchSize: opts.labelBatchSize ?? 4,
    labelsWanted: opts.labelsWanted,
  });
  created.push(id);
  return id;
}

/** A signed-in researcher's request context, for campaign settings through the real API. */
async function researcher(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, ACCOUNTS.researcher);
  return { page, close: () => context.close() };
}

/** Waits for the trainer's first pairs of a run (it bootstraps within seconds of the insert). */
async function waitForPairs(runId: number, n = 1) {
  await expect.poll(() => dbRows<{ n: number }>("select count(*) as n from pairs where run_id = ? and status = 'pending'", runId)[0]!.n, { timeout: 30_000 }).toBeGreaterThanOrEqual(n);
}

async function labelCurrent(page: Page, key = 'ArrowLeft'): Promise<number> {
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2, { timeout: 30_000 });
  const pairId = await currentPairId(page);
  await page.waitForTimeout(150);
  await page.keyboard.press(key);
  await expect.poll(() => currentPairId(page), { timeout: 30_000 }).not.toBe(pairId);
  return pairId;
}

test('an annotator sees only the runs assigned to them (the researcher assigns on the run page)', async ({ page, browser }) => {
  const name = `e2e assigned ${Date.now()}`;
  const runId = newRun(name);
  await waitForPairs(runId);

  await signIn(page, ACCOUNTS.researcher);
  await page.goto(`/runs/${runId}`);
  const campaign = page.getByTestId('campaign');
  const settings = campaign.getByRole('form', { name: 'Campaign settings' });
  await settings.getByLabel(/Open to every annotator/).uncheck();
  await settings.getByLabel(/Label target/).fill('50');
  await settings.getByRole('button', { name: 'Save campaign' }).click();
  await expect(campaign.getByRole('status')).toHaveText('Campaign saved.');
  const assignments = campaign.getByRole('form', { name: 'Assigned annotators' });
  await assignments.getByLabel(new RegExp(ACCOUNTS.annotator1.email)).check();
  await assignments.getByRole('button', { name: 'Save assignments' }).click();
  await expect(campaign.getByRole('status')).toHaveText('1 annotator(s) assigned.');
  await signOut(page);

  await signIn(page, ACCOUNTS.annotator1);
  const card = page.locator('.run-card').filter({ has: page.getByRole('heading', { name }) });
  await expect(card).toContainText('Which clip gets closer');
  await expect(card).toContainText('My labels: 0');
  await expect(card.getByRole('progressbar')).toBeVisible();
  await page.screenshot({ path: screenshotPath('annotator-home.png') });
  await card.getByRole('link', { name: 'Label this run' }).click();
  await expect(page.getByTestId('run-name')).toHaveText(name);
  await expect(page.getByTestId('progress-target')).toContainText('/ 50 labels');
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2);
  await signOut(page);

  const other = await browser.newContext();
  try {
    const annotator2 = await other.newPage();
    await signIn(annotator2, ACCOUNTS.annotator2);
    await expect(annotator2.locator('.run-card').first()).toBeVisible();
    await expect(annotator2.locator('.run-card').filter({ has: annotator2.getByRole('heading', { name }) })).toHaveCount(0);
    // Not by URL either, and not through the API: the run answers as if it did not exist.
    await annotator2.goto(`/label?run=${runId}`);
    await expect(annotator2.locator('.queue-message.error')).toContainText(`Run ${runId} does not exist.`);
    const api = await annotator2.request.post('/api/trpc/label.next', { data: { runId } });
    expect(api.status()).toBe(404);
  } finally {
    await other.close();
  }
});

test('a paused run says "paused" on the labeling page and refuses the submit of a pair already on screen', async ({ page, browser }) => {
  const runId = newRun(`e2e paused ${Date.now()}`);
  await waitForPairs(runId);
  await signIn(page, ACCOUNTS.annotator1);
  await page.goto(`/label?run=${runId}`);
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2);
  const pairId = await currentPairId(page);

  const res = await researcher(browser);
  try {
    await trpcMutation(res.page.request, 'runs.pause', { runId });
    await page.waitForTimeout(150);
    await page.keyboard.press('ArrowLeft');
    await expect(page.getByTestId('toast')).toContainText(`Label for pair ${pairId} was not saved`);
    await expect(page.getByTestId('toast')).toContainText('is paused');
    await expect(page.getByTestId('run-held')).toContainText('This run is paused.');
    await expect(page.getByTestId('run-state')).toHaveText('paused');
    await expect(page.getByTestId('queue-empty')).toHaveCount(0);
    await expect(page.getByRole('button', { name: /Left better/ })).toBeDisabled();
    expect(dbRows('select id from labels where pair_id = ? and undone_at is null', pairId)).toEqual([]);
    // The API refuses too, with a 4xx in words.
    const direct = await page.request.post('/api/trpc/label.submit', {
      data: { submissionId: crypto.randomUUID(), pairId, choice: 'left', shownAt: Date.now() - 2000, answeredAt: Date.now() },
    });
    expect(direct.status()).toBe(409);
    expect(await direct.text()).toContain('is paused');
  } finally {
    await res.close();
  }
});

test('? opens the hotkey overlay; , . step frames and [ ] change the speed', async ({ page }) => {
  const runId = newRun(`e2e hotkeys ${Date.now()}`);
  await waitForPairs(runId);
  await signIn(page, ACCOUNTS.annotator2);
  await page.goto(`/label?run=${runId}`);
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2);

  await page.keyboard.press('?');
  const overlay = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(overlay).toBeVisible();
  await expect(overlay).toContainText('Undo the last label');
  await expect(overlay).toContainText('One frame back / forward');
  await page.keyboard.press('?');
  await expect(overlay).toHaveCount(0);
  await page.keyboard.press('?');
  await page.keyboard.press('Escape');
  await expect(overlay).toHaveCount(0);

  const current = page.locator('[data-slot="current"]');
  await page.keyboard.press(' '); // pause, so the frame counter stays where the keys put it
  await current.getByRole('button', { name: 'Play' }).waitFor();
  const counter = async () => (await current.locator('.frame-counter').textContent())!.split('/').map(Number) as [number, number];
  const frame = async () => (await counter())[0];
  const [before, frames] = await counter();
  await page.keyboard.press('.');
  const forward = Math.min(before + 1, frames);
  await expect.poll(frame).toBe(forward);
  await page.keyboard.press(',');
  await expect.poll(frame).toBe(Math.max(forward - 1, 1));
  await page.keyboard.press(',');
  await expect.poll(frame).toBe(Math.max(forward - 2, 1));
  await page.keyboard.press(']');
  await expect(current.getByRole('button', { name: '2x' })).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('[');
  await page.keyboard.press('[');
  await expect(current.getByRole('button', { name: '0.5x' })).toHaveAttribute('aria-pressed', 'true');
});

test('a practice round scored against gold gates real labels', async ({ page, browser }) => {
  const name = `e2e practice ${Date.now()}`;
  const runId = newRun(name);
  await waitForPairs(runId, 6);
  // Four gold pairs: two examples, two practice pairs (answers alternate left / right).
  const gold = dbRows<{ id: number }>("select id from pairs where run_id = ? and status = 'pending' order by id limit 4", runId).map((r) => r.id);
  const db = openWritableTestDb();
  try {
    gold.forEach((id, i) => db.prepare('update pairs set gold_choice = ? where id = ?').run(i % 2 === 0 ? 'left' : 'right', id));
  } finally {
    db.close();
  }
  const answerOf = new Map(gold.map((id, i) => [id, i % 2 === 0 ? 'Left better' : 'Right better']));
  const wrongOf = new Map(gold.map((id, i) => [id, i % 2 === 0 ? 'Right better' : 'Left better']));
  const res = await researcher(browser);
  try {
    await trpcMutation(res.page.request, 'runs.updateCampaign', { runId, practicePairs: 2 });
  } finally {
    await res.close();
  }

  await signIn(page, ACCOUNTS.annotator1);
  const card = page.locator('.run-card').filter({ has: page.getByRole('heading', { name }) });
  // Straight to the labeling page: no pair is shown before the practice round is passed.
  await page.goto(`/label?run=${runId}`);
  await expect(page.getByTestId('practice-required')).toContainText('practice round');
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(0);

  await page.goto('/label');
  await card.getByRole('link', { name: 'Start with the practice round' }).click();
  await expect(page.getByTestId('onboarding-instructions')).toHaveText('Which clip gets closer to the green goal corner?');
  await expect(page.getByTestId('example-answer')).toContainText('the left clip is better');
  await expect(page.getByTestId('examples').locator('canvas')).toHaveCount(2);
  await page.screenshot({ path: screenshotPath('onboarding.png') });

  const practise = async (answers: Map<number, string>) => {
    for (let i = 0; i < 2; i++) {
      const step = page.getByTestId('practice-step');
      await expect(step).toHaveText(`Practice ${i + 1} of 2`);
      const pairId = Number(await step.getAttribute('data-pair-id'));
      await page.getByRole('group', { name: 'Practice answer' }).getByRole('button', { name: answers.get(pairId)! }).click();
    }
  };
  await practise(wrongOf);
  await expect(page.getByTestId('practice-result')).toContainText('Not passed yet: 0 of 2');
  await page.goto(`/label?run=${runId}`);
  await expect(page.getByTestId('practice-required')).toBeVisible();
  expect(dbRows('select passed from practice_attempts a join users u on u.id = a.user_id where a.run_id = ? and u.email = ?', runId, ACCOUNTS.annotator1.email)).toEqual([{ passed: 0 }]);

  await page.goto(`/label/onboarding?run=${runId}`);
  await practise(answerOf);
  await expect(page.getByTestId('practice-result')).toContainText('Passed: 2 of 2');
  await page.getByRole('link', { name: 'Start labeling' }).click();
  const labeled = await labelCurrent(page);
  await expect(page.locator('.status-line .saving')).toHaveCount(0);
  expect(dbRows('select l.choice from labels l join users u on u.id = l.user_id where l.pair_id = ? and u.email = ?', labeled, ACCOUNTS.annotator1.email)).toEqual([{ choice: 'left' }]);
});

test('a label changed in "My labels" and a flagged clip reach the trainer and the export', async ({ page, browser }) => {
  // A short iteration timeout: the trainer trains on the labels there are after 3 s, whichever pairs they are on.
  const runId = newRun(`e2e history ${Date.now()}`, { labelBatchSize: 2, config: { iterationTimeoutMs: 3000 } });
  await waitForPairs(runId, 4);
  await signIn(page, ACCOUNTS.annotator2);
  await page.goto(`/label?run=${runId}`);
  const [edited, flagged] = [await labelCurrent(page, 'ArrowLeft'), await labelCurrent(page, 'ArrowLeft')];
  await expect(page.getByTestId('recorded')).toContainText('Recorded: Left better');
  await expect(page.locator('.status-line .saving')).toHaveCount(0);

  await page.getByRole('link', { name: 'My labels' }).click();
  await expect(page.getByRole('heading', { name: 'My labels' })).toBeVisible();
  const editedRow = page.getByTestId(`history-row-${edited}`);
  await editedRow.getByLabel(`Choice for pair ${edited}`).selectOption('right');
  await expect(page.getByRole('status').filter({ hasText: 'Choice changed.' })).toBeVisible();
  const flaggedRow = page.getByTestId(`history-row-${flagged}`);
  await flaggedRow.getByRole('button', { name: 'Flag a broken clip' }).click();
  await flaggedRow.getByLabel('Which clip').selectOption('right');
  await flaggedRow.getByLabel('What is wrong').fill('The right clip stops moving after two frames');
  await flaggedRow.getByRole('button', { name: 'Flag' }).click();
  await expect(page.getByTestId(`flagged-${flagged}`)).toContainText('The right clip stops moving');
  await page.screenshot({ path: screenshotPath('history.png') });

  const live = () => dbRows<{ id: number; pairId: number; choice: string; y: number | null }>(
    'select l.id, l.pair_id as pairId, l.choice, l.y from labels l join pairs p on p.id = l.pair_id where p.run_id = ? and l.undone_at is null order by l.id', runId,
  );
  expect(live().find((l) => l.pairId === edited)).toMatchObject({ choice: 'right', y: 0 });

  // Two more labels make a batch; the trainer's next checkpoint consumed the edit and left the flagged pair out.
  await page.goto(`/label?run=${runId}`);
  await labelCurrent(page, 'ArrowRight');
  await labelCurrent(page, 'ArrowRight');
  await expect(page.locator('.status-line .saving')).toHaveCount(0);
  const newest = Math.max(...live().map((l) => l.id));
  await expect.poll(() => dbRows<{ w: number | null }>('select max(label_watermark) as w from checkpoints where run_id = ?', runId)[0]!.w ?? 0, { timeout: 60_000 }).toBeGreaterThanOrEqual(newest);
  const [checkpoint] = dbRows<{ labelsUsed: number }>('select labels_used as labelsUsed from checkpoints where run_id = ? order by label_watermark desc limit 1', runId);
  const unflagged = live().filter((l) => l.pairId !== flagged && l.y !== null);
  expect(checkpoint!.labelsUsed).toBe(unflagged.length);
  expect(unflagged.map((l) => l.pairId)).toContain(edited);

  // The export: the edited choice, no flagged pair unless asked for.
  const admin = await browser.newContext();
  try {
    const adminPage = await admin.newPage();
    await signIn(adminPage, ACCOUNTS.admin);
    const jsonl = async (extra: string) => (await (await adminPage.request.get(`/api/export?format=jsonl&run=${runId}${extra}`)).text())
      .trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { pair_id: number; choice: string; y: number | null });
    const rows = await jsonl('');
    expect(rows.find((r) => r.pair_id === edited)).toMatchObject({ choice: 'right', y: 0 });
    expect(rows.map((r) => r.pair_id)).not.toContain(flagged);
    expect((await jsonl('&flagged=1')).map((r) => r.pair_id)).toContain(flagged);
  } finally {
    await admin.close();
  }

  // Researchers see the flag on the run page.
  const res = await researcher(browser);
  try {
    await res.page.goto(`/runs/${runId}`);
    await expect(res.page.getByTestId('flags')).toContainText('The right clip stops moving after two frames');
  } finally {
    await res.close();
  }
});

test('a lone annotator on an overlap-2 run is never shown an empty queue', async ({ page }) => {
  const runId = newRun(`e2e overlap 2 ${Date.now()}`, { labelsWanted: 2, labelBatchSize: 4 });
  await waitForPairs(runId);
  await signIn(page, ACCOUNTS.annotator1);
  await page.goto(`/label?run=${runId}`);
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2, { timeout: 30_000 });
  // Remember whether the "No pairs waiting" message ever appears, however briefly.
  await page.evaluate(() => {
    const w = window as unknown as { sawEmpty: boolean };
    w.sawEmpty = false;
    new MutationObserver(() => { if (document.querySelector('[data-testid="queue-empty"]')) w.sawEmpty = true; })
      .observe(document.body, { childList: true, subtree: true });
  });
  // Three label batches: each needs the trainer to make pairs this annotator has not labeled.
  for (let i = 0; i < 12; i++) await labelCurrent(page, i % 2 === 0 ? 'ArrowLeft' : 'ArrowRight');
  expect(await page.evaluate(() => (window as unknown as { sawEmpty: boolean }).sawEmpty)).toBe(false);
  // The page shows the next pair before the last submit is acknowledged (it retries in the
  // background): wait for the twelfth label to be stored rather than racing its commit.
  await expect.poll(() => dbRows<{ n: number }>('select count(*) as n from labels l join pairs p on p.id = l.pair_id where p.run_id = ? and l.undone_at is null', runId)[0]!.n, { timeout: 15_000 }).toBe(12);
});
