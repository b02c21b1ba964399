import { expect, test } from '@playwright/test';
import path from 'node:path';
import { makeRng } from '../../trainer/core/rng';
import { hopper } from '../../trainer/envs/hopper';
import { loadMujoco } from '../../trainer/mujoco/load';
import { ACCOUNTS, dbRows, insertRun, labelRun, openWritableTestDb, setRunStatus, signIn } from './helpers';

const RUN_NAME = 'Hopper: stored clips';
const CLIP_STEPS = 60;

/**
 * A hopper clip as the trainer stores one: the states (with the capsules' poses) of a rollout.
 * `gait` 0 holds the joints still (the hopper topples); 1 kicks the thigh and leg in turn.
 */
function hopperClip(seed: number, gait: number) {
  const rng = makeRng(seed);
  let state = hopper.reset(rng);
  const states: unknown[] = [state];
  const actions: number[][] = [];
  let trueReturn = 0;
  for (let t = 0; t < CLIP_STEPS; t++) {
    const phase = Math.sin(t / 4);
    const action = [gait * phase, -gait * phase, 0.3 * gait * Math.cos(t / 4)];
    const out = hopper.step(state, action, rng);
    actions.push(out.state.u);
    states.push(out.state);
    trueReturn += out.reward;
    state = out.state;
  }
  return { states, actions, trueReturn };
}

test('a hopper pair plays on the labeling page from its stored states (no MuJoCo in the browser), with torque bars, and is labeled', async ({ page }) => {
  await loadMujoco();
  const runId = insertRun({ name: RUN_NAME, envId: 'hopper', algorithm: 'sobirl', config: {}, instructions: 'Which hopper moves forward more, without falling?', labelBatchSize: 1 });
  const db = openWritableTestDb();
  let pairId: number;
  try {
    const now = Date.now();
    const insertClip = db.prepare(
      `insert into clips (run_id, env_id, seed, states, actions, log_probs, true_return, format_version, created_at)
       values (?, 'hopper', ?, ?, ?, ?, ?, 1, ?)`,
    );
    const [a, b] = [[1, 0], [2, 1]].map(([seed, gait]) => {
      const clip = hopperClip(seed!, gait!);
      return Number(insertClip.run(runId, seed, JSON.stringify(clip.states), JSON.stringify(clip.actions), JSON.stringify(clip.actions.map(() => 0)), clip.trueReturn, now).lastInsertRowid);
    });
    pairId = Number(db.prepare('insert into pairs (run_id, clip_a_id, clip_b_id, priority, created_at) values (?, ?, ?, 0, ?)').run(runId, a, b, now).lastInsertRowid);
  } finally {
    db.close();
  }

  try {
    // The page must never fetch the simulator: watch every request and every script it loads
    // (mujoco-js is one 11 MB module with its wasm inlined; the whole app's JS is far smaller).
    const requested: string[] = [];
    const scriptBytes: Array<Promise<number>> = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('response', (r) => {
      if (r.request().resourceType() === 'script') scriptBytes.push(r.body().then((b) => b.length, () => 0));
    });
    await signIn(page, ACCOUNTS.annotator1);
    await labelRun(page, RUN_NAME);
    const current = page.locator('[data-slot="current"]');
    await expect(current.locator('canvas')).toHaveCount(2);
    await expect(page.locator('.label-page')).toHaveAttribute('data-pair-id', String(pairId));
    // Both canvases draw more than a flat fill, and the clips play.
    const colours = () => current.locator('canvas').evaluateAll((canvases) =>
      (canvases as HTMLCanvasElement[]).map((c) => {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        return seen.size;
      }));
    await expect.poll(async () => Math.min(...(await colours()))).toBeGreaterThan(5);
    const clips = current.locator('.pair-clips');
    const before = await clips.screenshot();
    await page.waitForTimeout(1500);
    expect(before.equals(await clips.screenshot())).toBe(false);
    await page.screenshot({ path: process.env.UPDATE_SCREENSHOTS ? path.join('docs', 'labeling-hopper.png') : test.info().outputPath('labeling-hopper.png') });
    expect(requested.filter((url) => /mujoco/i.test(url))).toEqual([]);
    const totalScript = (await Promise.all(scriptBytes)).reduce((a, b) => a + b, 0);
    expect(totalScript).toBeGreaterThan(0);
    expect(totalScript).toBeLessThan(5_000_000);

    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => dbRows<{ choice: string }>('select choice from labels where pair_id = ?', pairId).map((r) => r.choice)).toEqual(['left']);
  } finally {
    setRunStatus([runId], 'stopped'); // the later specs see the demo runs only
  }
});
