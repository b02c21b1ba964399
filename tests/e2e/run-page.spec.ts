import { expect, test } from '@playwright/test';
import { ACCOUNTS, insertRun, runIteration, setRunStatus, signIn } from './helpers';

/**
 * The researcher's run page against the real trainer service: two simulated grid5 runs (SoBiRL
 * and DRLHF, answered by scripted beta = 5 teachers at 20 labels/s each) train beside the web
 * server; a researcher opens the SoBiRL run, sees every chart drawn with points, overlays the
 * DRLHF run, watches the page refresh by itself, inspects a labeled pair and downloads a
 * checkpoint; an annotator is refused the page and the download.
 */

const SIMULATE = { teacher: { beta: 5 }, annotators: 2, labelsPerSecond: 20 };
const CHARTS = ['loss', 'accuracy', 'return', 'correlation', 'hypergrad', 'labels-per-hour', 'queue'] as const;

/** An active simulated grid5 run (the trainer service fills every other default). */
function createRun(name: string, algorithm: string, seed: number): number {
  return insertRun({
    name, envId: 'grid5', algorithm, config: { seed, simulate: SIMULATE }, labelBatchSize: 8,
    instructions: 'Which clip reaches the green corner sooner and stays there?',
  });
}

test('a researcher watches a run learn: live charts with points, overlays, checkpoints and the clip inspector', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const stamp = Date.now();
  const sobirl = createRun(`e2e sobirl ${stamp}`, 'sobirl', 1);
  const drlhf = createRun(`e2e drlhf ${stamp}`, 'drlhf', 1);
  try {
    // Enough iterations for every derived series (two checkpoints, labels past a watermark).
    await expect.poll(() => Math.min(runIteration(sobirl), runIteration(drlhf)), { timeout: 90_000, intervals: [1000] }).toBeGreaterThanOrEqual(4);

    await signIn(page, ACCOUNTS.researcher);
    const response = await page.goto(`/runs/${sobirl}`);
    expect(response?.status()).toBe(200);
    const detail = page.getByTestId('run-detail');
    await expect(detail).toHaveAttribute('data-status', 'active');

    // Every chart draws at least one series with points (recharts' own curve paths and dots).
    for (const id of CHARTS) {
      const chart = page.getByTestId(`chart-${id}`);
      // Attached, not 'visible': a constant series (the queue depth) is a flat path with a zero-height box.
      await expect(chart.locator('.recharts-line-curve').first()).toBeAttached({ timeout: 20_000 });
      await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(1);
      const d = await chart.locator('.recharts-line-curve').first().getAttribute('d');
      expect(d, `chart ${id} has a drawn path`).toMatch(/^M[\d.-]+,[\d.-]+L/);
    }
    await expect(page.getByTestId('chart-hypergrad').locator('.recharts-line-curve')).toHaveCount(3);
    await expect(page.getByTestId('chart-return').locator('.recharts-line-curve')).toHaveCount(2);
    expect(await page.getByTestId('chart-loss').locator('.recharts-line-dots circle').count()).toBeGreaterThan(2);

    // The page refreshes by itself while the run trains: the iteration on screen moves, no reload.
    const shown = Number(await page.getByTestId('run-iteration').textContent());
    await expect.poll(async () => Number(await page.getByTestId('run-iteration').textContent()), { timeout: 30_000 }).toBeGreaterThan(shown);

    // Overlay the DRLHF run: the loss chart gets a second curve, the legend names both runs.
    await page.getByLabel('Compare with').selectOption(String(drlhf));
    const loss = page.getByTestId('chart-loss');
    await expect(loss.locator('.recharts-line-curve')).toHaveCount(2);
    await expect(loss.locator('.recharts-legend-wrapper')).toContainText(`#${drlhf} drlhf`);
    await expect(page.getByTestId('chart-return').locator('.recharts-line-curve')).toHaveCount(4);

    // Clip inspector: a labeled pair, its labels, both clips drawn, learned reward per step, heat maps.
    const inspected = page.getByTestId('inspected-pair');
    await expect(inspected).toBeVisible();
    await expect(inspected.locator('canvas')).toHaveCount(2);
    await expect(inspected.locator('tbody tr').first()).toContainText(/better|equal|can't tell/);
    for (const side of ['left', 'right']) {
      await expect(page.getByTestId(`step-reward-${side}`).locator('.recharts-line-curve')).toHaveCount(2);
    }
    await expect(page.getByTestId('heatmap-learned').locator('[title^="state "]')).toHaveCount(25);
    await expect(page.getByTestId('heatmap-true').locator('[title^="state 24:"]')).toHaveAttribute('title', /state 24: 1\.000/);

    // Checkpoint download, as the researcher.
    // Agreement of the simulated annotators: one row per annotator with their label counts.
    const agreement = page.getByTestId('agreement-panel');
    await expect(agreement).toContainText("Krippendorff's α");
    await expect(agreement.locator('tbody tr')).toHaveCount(2);

    const link = page.getByTestId('checkpoint-table').getByRole('link', { name: /^x · / }).first();
    const href = (await link.getAttribute('href'))!;
    const download = await page.request.get(href);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-disposition']).toMatch(new RegExp(`filename="run-${sobirl}-iteration-\\d+-reward_model\\.bin"`));
    expect((await download.body()).subarray(0, 8).toString('latin1')).toBe('SOBIRLTV');

    await page.mouse.move(0, 0);
    // Written into docs/ only when asked (UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean.
    await page.screenshot({ path: process.env.UPDATE_SCREENSHOTS ? 'docs/run-page.png' : test.info().outputPath('run-page.png') });
    // The whole page, inspector included, for a person to look at (not kept in the repository).
    await page.screenshot({ path: test.info().outputPath('run-page-full.png'), fullPage: true });

    // An annotator is refused the page (403) and the download (403).
    const annotatorContext = await browser.newContext();
    try {
      const annotator = await annotatorContext.newPage();
      await signIn(annotator, ACCOUNTS.annotator1);
      expect((await annotator.goto(`/runs/${sobirl}`))?.status()).toBe(403);
      await expect(annotator.getByTestId('forbidden')).toBeVisible();
      expect((await annotator.request.get(href)).status()).toBe(403);
      expect((await annotatorContext.request.get(`/api/trpc/inspect.run?input=${encodeURIComponent(JSON.stringify({ runId: sobirl }))}`)).status()).toBe(403);
    } finally {
      await annotatorContext.close();
    }
    // Signed out: 401 before anything is read.
    expect((await (await browser.newContext()).request.get(href)).status()).toBe(401);
  } finally {
    // Leave the trainer idle for the specs after this one.
    setRunStatus([sobirl, drlhf], 'stopped');
  }
});
