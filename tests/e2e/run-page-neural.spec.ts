import { expect, test } from '@playwright/test';
import Database from 'better-sqlite3';
import { ACCOUNTS, openTestDb, signIn } from './helpers';

/**
 * A NEURAL run (cartpole) on the researcher's run page, trained by the real trainer service
 * (tfjs, wasm) and answered by scripted teachers: the learned-reward views come from the web
 * server's own tfjs-free decoder of the reward-model checkpoints (server/inspect/
 * neuralRewardModel.ts). Small networks and a short schedule keep it to seconds on 2 cores.
 */
const CONFIG = {
  seed: 1,
  horizon: 10,
  simulate: { teacher: { beta: 1 }, annotators: 2, labelsPerSecond: 20 },
  neural: { envStepsPerIter: 300, updatesPerIter: 100, minReplay: 100, evalEpisodes: 2, hiddenSizes: [16], ensembleSteps: 5 },
  algorithm: { upperSteps: 3 },
};

function createRun(name: string): number {
  const db = new Database(process.env.E2E_DATABASE_PATH!, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    const now = Date.now();
    const info = db
      .prepare(
        `insert into runs (name, env_id, algorithm, config, instructions, status, labels_wanted, label_batch_size, iteration, created_at, updated_at)
         values (?, 'cartpole', 'sobirl', ?, 'Which cart keeps its pole upright longer?', 'active', 1, 8, 0, ?, ?)`,
      )
      .run(name, JSON.stringify(CONFIG), now, now);
    return Number(info.lastInsertRowid);
  } finally {
    db.close();
  }
}

function stop(runId: number) {
  const db = new Database(process.env.E2E_DATABASE_PATH!, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    db.prepare("update runs set status = 'stopped' where id = ?").run(runId);
  } finally {
    db.close();
  }
}

function iterationOf(runId: number): number {
  const db = openTestDb();
  try {
    return (db.prepare('select iteration from runs where id = ?').get(runId) as { iteration: number }).iteration;
  } finally {
    db.close();
  }
}

test('a neural (cartpole) run shows held-out accuracy, learned/true correlation, learned vs true return and the learned reward per step', async ({ page }) => {
  test.setTimeout(180_000);
  const runId = createRun(`e2e cartpole ${Date.now()}`);
  try {
    await expect.poll(() => iterationOf(runId), { timeout: 120_000, intervals: [1000] }).toBeGreaterThanOrEqual(3);
    await signIn(page, ACCOUNTS.researcher);
    expect((await page.goto(`/runs/${runId}`))?.status()).toBe(200);

    for (const id of ['loss', 'accuracy', 'correlation', 'return'] as const) {
      const chart = page.getByTestId(`chart-${id}`);
      await expect(chart.locator('.recharts-line-curve').first()).toBeAttached({ timeout: 20_000 });
      await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(1);
    }
    // The return chart has both curves: the true return and the learned one (the trainer's evaluation).
    await expect(page.getByTestId('chart-return').locator('.recharts-line-curve')).toHaveCount(2);

    // Clip inspector: both clips replayed, learned and true reward per step under each, no heat map.
    const inspected = page.getByTestId('inspected-pair');
    await expect(inspected).toBeVisible();
    await expect(inspected.locator('canvas')).toHaveCount(2);
    for (const side of ['left', 'right']) {
      await expect(page.getByTestId(`step-reward-${side}`).locator('.recharts-line-curve')).toHaveCount(2);
    }
    await expect(page.getByTestId('heatmap-learned')).toHaveCount(0);
    await page.screenshot({ path: test.info().outputPath('run-page-neural.png'), fullPage: true });
  } finally {
    stop(runId);
  }
});
