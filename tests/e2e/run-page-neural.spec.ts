import { expect, test } from '@playwright/test';
import { ACCOUNTS, insertRun, runIteration, setRunStatus, signIn } from './helpers';

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

test('a neural (cartpole) run shows held-out accuracy, learned/true correlation, learned vs true return and the learned reward per step', async ({ page }) => {
  test.setTimeout(180_000);
  const runId = insertRun({
    name: `e2e cartpole ${Date.now()}`, envId: 'cartpole', algorithm: 'sobirl', config: CONFIG, labelBatchSize: 8,
    instructions: 'Which cart keeps its pole upright longer?',
  });
  try {
    await expect.poll(() => runIteration(runId), { timeout: 120_000, intervals: [1000] }).toBeGreaterThanOrEqual(3);
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
    // The inspector keeps the pair it shows across refreshes, and a cartpole clip can end after one
    // step (no line to draw): ask for the newest pair until both clips have a learned-reward curve.
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Newest pair' }).click();
      await page.waitForTimeout(500);
      const curves = await Promise.all(['left', 'right'].map((side) => page.getByTestId(`step-reward-${side}`).locator('.recharts-line-curve').count()));
      return curves;
    }, { timeout: 40_000 }).toEqual([2, 2]);
    await expect(page.getByTestId('heatmap-learned')).toHaveCount(0);
    await page.screenshot({ path: test.info().outputPath('run-page-neural.png'), fullPage: true });
  } finally {
    setRunStatus([runId], 'stopped');
  }
});
