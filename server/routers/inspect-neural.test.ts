import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '@/db/schema';
import { saveCheckpoint } from '@/trainer/models/checkpoint';
import { makeRewardModelConfig, RewardModel } from '@/trainer/models/reward-model';
import { useTestBackend } from '@/tests/helpers/trainer/test-backend';
import { encodeVector } from '@/trainer/contracts/tabular-checkpoint';
import { insertLabel } from '@/tests/helpers/server/export-fixtures';
import { addUser, callerFor, freshDb, inOrder } from '@/tests/helpers/server/fixtures';
import { MINUTE, T0, insertBlobCheckpoint, insertEnvClip, insertMetric, insertPair, insertRun } from '@/tests/helpers/server/inspect-fixtures';
import { NEURAL_CHECKPOINT_ROW_FORMAT as SERVICE_NEURAL_FORMAT } from '@/trainer/service/neural-checkpoint';
import { loadCheckpointRewardModel, NEURAL_CACHE_LIMITS, NEURAL_CHECKPOINT_ROW_FORMAT, neuralCacheSize, neuralContext } from '@/server/inspect/neuralRewards';
import { NEURAL_SERIES_CHECKPOINTS, sampleCheckpoints } from '@/server/inspect/neuralSeries';

/**
 * A hand-made cartpole run whose reward models are real RewardModels (tfjs, saved with
 * saveCheckpoint) with weights set so the learned reward is a known function of the observation:
 * one hidden relu unit h = relu(c * x + 10) = c x + 10 (|x| <= 2.5), outputs h + b_a, so
 * r(s, a) = c x + d a with b = (-10, -10 + d). Every number below is exact in float32.
 *
 *   k0 (iteration 0, watermark 0):  r = 0                     (all weights 0)
 *   k1 (iteration 1, watermark l2): r = x + a                 (ensemble of 2: 2x + 2a and 0, mean x + a)
 *   k2 (iteration 2, watermark l3): r = -2x
 *
 * clips (cart positions x of the 3 states, 2 actions; true reward 1 per step from a state with
 * |x| <= 2.4, 0 from a fallen one):
 *   c1: x 0 0 0,       actions 1 1 -> true 2;  k1 2;    k2 0
 *   c2: x 2.5 2.5 2.5, actions 0 0 -> true 0;  k1 5;    k2 -10
 *   c3: x 1 2.5 2.5,   actions 0 1 -> true 1;  k1 4.5;  k2 -7   (per step: k1 1, 3.5; true 1, 0)
 *   c4: x -1 -1 -1,    actions 0 0 -> true 2;  k1 -2;   k2 4
 * pairs P1 (c1, c2), P2 (c3, c4), P3 (c2, c4); labels in id order:
 *   l1 P1 left @10   l2 P2 right @20   l3 P3 left @30   (a second annotator:) l4 P1 equal @40   l5 P2 left @50
 */
const state = (x: number, t: number) => ({ x, xDot: 0, theta: 0, thetaDot: 0, t });
let env: Awaited<ReturnType<typeof freshDb>>;
let researcher: User;
let runId: number, brokenRunId: number, longRunId: number, oldMountaincarRunId: number;
let pairIds: number[];
let k1Id: number, k2Id: number;
let k1Blob: Uint8Array;

async function rewardBlob(members: Array<{ c: number; d: number } | null>): Promise<Uint8Array> {
  const model = new RewardModel(makeRewardModelConfig({ obsSize: 4, numActions: 2, hiddenSizes: [1], activation: 'relu', ensembleSize: members.length }));
  const weights = new Map(model.namedWeights().map((w) => [w.name, w.variable]));
  members.forEach((m, k) => {
    const set = (name: string, values: number[]) => tf.tidy(() => weights.get(`m${k}/${name}`)!.assign(tf.tensor(values, weights.get(`m${k}/${name}`)!.shape)));
    set('l0/kernel', [m ? m.c : 0, 0, 0, 0]);
    set('l0/bias', [m ? 10 : 0]);
    set('l1/kernel', [m ? 1 : 0, m ? 1 : 0]);
    set('l1/bias', m ? [-10, -10 + m.d] : [0, 0]);
  });
  try {
    return await saveCheckpoint(model);
  } finally {
    model.dispose();
  }
}

beforeAll(async () => {
  await useTestBackend();
  env = (await freshDb('inspect-neural'));
  const db = env.db;
  researcher = (await addUser(db, 'researcher'));
  const ann = await addUser(db, 'annotator'), ann2 = await addUser(db, 'annotator');
  runId = (await insertRun(db, { name: 'cartpole sobirl', envId: 'cartpole', config: {} }));
  const clip = (xs: number[], actions: number[]) => insertEnvClip(db, runId, 'cartpole', xs.map(state), actions);
  const [c1, c2, c3, c4] = [await clip([0, 0, 0], [1, 1]), await clip([2.5, 2.5, 2.5], [0, 0]), await clip([1, 2.5, 2.5], [0, 1]), await clip([-1, -1, -1], [0, 0])];
  pairIds = await inOrder([[c1, c2], [c3, c4], [c2, c4]], ([a, b]) => insertPair(db, runId, a!, b!));
  const [p1, p2, p3] = pairIds as [number, number, number];
  const at = (m: number) => T0 + m * MINUTE;
  await insertLabel(db, { pairId: p1, userId: ann.id, choice: 'left', answeredAt: at(10) });
  const l2 = await insertLabel(db, { pairId: p2, userId: ann.id, choice: 'right', answeredAt: at(20) });
  const l3 = await insertLabel(db, { pairId: p3, userId: ann.id, choice: 'left', answeredAt: at(30) });
  await insertLabel(db, { pairId: p1, userId: ann2.id, choice: 'equal', answeredAt: at(40) });
  await insertLabel(db, { pairId: p2, userId: ann2.id, choice: 'left', answeredAt: at(50) });

  k1Blob = await rewardBlob([{ c: 2, d: 2 }, null]);
  await insertBlobCheckpoint(db, { runId, iteration: 0, createdAt: at(0), labelWatermark: 0, rewardModel: await rewardBlob([null]) });
  k1Id = (await insertBlobCheckpoint(db, { runId, iteration: 1, createdAt: at(20), labelWatermark: l2, rewardModel: k1Blob }));
  k2Id = (await insertBlobCheckpoint(db, { runId, iteration: 2, createdAt: at(60), labelWatermark: l3, rewardModel: await rewardBlob([{ c: -2, d: 0 }]) }));
  await insertMetric(db, runId, 1, 'return/true', 37);

  // A run whose checkpoints are unreadable: a flipped weight byte, a tabular vector, a model for
  // another env, and a good blob in a row marked with the tabular format.
  brokenRunId = (await insertRun(db, { name: 'cartpole torn', envId: 'cartpole', config: {} }));
  const b1 = await insertEnvClip(db, brokenRunId, 'cartpole', [0, 1, 2].map((x) => state(x / 2, x)), [0, 1]);
  const b2 = await insertEnvClip(db, brokenRunId, 'cartpole', [0, 1, 2].map((x) => state(-x / 2, x)), [1, 1]);
  const bp = await insertPair(db, brokenRunId, b1, b2);
  await insertLabel(db, { pairId: bp, userId: ann.id, choice: 'left', answeredAt: at(70) });
  const torn = k1Blob.slice();
  torn[torn.length - 1] = torn[torn.length - 1]! ^ 0x01;
  await insertBlobCheckpoint(db, { runId: brokenRunId, iteration: 0, createdAt: at(0), labelWatermark: 0, rewardModel: torn });
  await insertBlobCheckpoint(db, { runId: brokenRunId, iteration: 1, createdAt: at(1), labelWatermark: 0, rewardModel: encodeVector([1, 2, 3]) });
  const acrobotModel = new RewardModel(makeRewardModelConfig({ obsSize: 6, numActions: 3, hiddenSizes: [2] }));
  await insertBlobCheckpoint(db, { runId: brokenRunId, iteration: 2, createdAt: at(2), labelWatermark: 0, rewardModel: await saveCheckpoint(acrobotModel) });
  acrobotModel.dispose();
  await insertBlobCheckpoint(db, { runId: brokenRunId, iteration: 3, createdAt: at(3), labelWatermark: 0, rewardModel: k1Blob, formatVersion: 1 });

  // A mountaincar run from before its local features: a reward model of the old 2-value observation.
  oldMountaincarRunId = await insertRun(db, { name: 'mountaincar, old observation', envId: 'mountaincar', config: {} });
  const carAt = (position: number, t: number) => ({ position, velocity: 0.01, t });
  const mp = await insertPair(db, oldMountaincarRunId, await insertEnvClip(db, oldMountaincarRunId, 'mountaincar', [0, 1, 2].map((t) => carAt(-0.5 + t / 100, t)), [2, 2]),
    await insertEnvClip(db, oldMountaincarRunId, 'mountaincar', [0, 1, 2].map((t) => carAt(-0.5 - t / 100, t)), [0, 0]));
  await insertLabel(db, { pairId: mp, userId: ann.id, choice: 'left', answeredAt: at(90) });
  const oldCarModel = new RewardModel(makeRewardModelConfig({ obsSize: 2, numActions: 3, hiddenSizes: [2] }));
  await insertBlobCheckpoint(db, { runId: oldMountaincarRunId, iteration: 0, createdAt: at(0), labelWatermark: 0, rewardModel: await saveCheckpoint(oldCarModel) });
  oldCarModel.dispose();

  // More checkpoints than the series score: r = x + a at every one.
  longRunId = (await insertRun(db, { name: 'cartpole long', envId: 'cartpole', config: {} }));
  const lp = await insertPair(db, longRunId, await insertEnvClip(db, longRunId, 'cartpole', [1, 1, 1].map(state), [1, 1]), await insertEnvClip(db, longRunId, 'cartpole', [0, 0, 0].map(state), [0, 0]));
  await insertLabel(db, { pairId: lp, userId: ann.id, choice: 'left', answeredAt: at(80) });
  for (let k = 0; k < 45; k++) await insertBlobCheckpoint(db, { runId: longRunId, iteration: k, createdAt: at(k), labelWatermark: 0, rewardModel: k1Blob });
});
afterAll(() => env.cleanup());

const metricsOf = async (id: number, names?: string[]) =>
  (await callerFor(env.db, researcher).inspect.metrics({ runIds: [id], ...(names ? { names } : {}) }))[0]!;

describe('neural checkpoint rows', () => {
  it("carry the trainer service's format_version (trainer/contracts/neural-checkpoint.ts)", () => {
    expect(NEURAL_CHECKPOINT_ROW_FORMAT).toBe(SERVICE_NEURAL_FORMAT);
  });
});

describe('inspect.metrics for a neural run', () => {
  it('held-out accuracy: labels above each watermark, ranked by the learned clip returns', async () => {
    const out = await metricsOf(runId, ['accuracy/heldout']);
    // k0 (r = 0): l1, l2, l3, l5 all held out, every delta 0 -> 1/2.
    // k1: held out l3 (c2 vs c4: 5 vs -2, said left: right) and l5 (c3 vs c4: 4.5 vs -2, said left: right) -> 1.
    //     (With l1 and l2, which k1 trained on and ranks wrong, it would be 0.5.)
    // k2: held out l5 (c3 vs c4: -7 vs 4, said left: wrong) -> 0.
    expect(out.series['accuracy/heldout']).toEqual([{ iteration: 0, value: 0.5 }, { iteration: 1, value: 1 }, { iteration: 2, value: 0 }]);
  });

  it('learned-vs-true correlation over the labeled clips (Pearson, by hand)', async () => {
    const out = await metricsOf(runId, ['correlation/segment_return']);
    // true (c1..c4) 2, 0, 1, 2: mean 1.25, deviations .75 -1.25 -.25 .75, Syy = 2.75.
    // k1 learned 2, 5, 4.5, -2: mean 2.375, deviations -.375 2.625 2.125 -4.375:
    //    Sxy = -.28125 - 3.28125 - .53125 - 3.28125 = -7.375, Sxx = 30.6875.
    // k2 learned 0, -10, -7, 4: mean -3.25, deviations 3.25 -6.75 -3.75 7.25:
    //    Sxy = 2.4375 + 8.4375 + .9375 + 5.4375 = 17.25, Sxx = 122.75.
    // k0: constant -> no point.
    const points = out.series['correlation/segment_return']!;
    expect(points.map((p) => p.iteration)).toEqual([1, 2]);
    expect(points[0]!.value).toBeCloseTo(-7.375 / Math.sqrt(30.6875 * 2.75), 12);
    expect(points[1]!.value).toBeCloseTo(17.25 / Math.sqrt(122.75 * 2.75), 12);
  });

  it("return/learned is the trainer's stored metric; without one the page says why; the trainer's own series stay", async () => {
    const out = await metricsOf(runId);
    expect(out.series['return/true']).toEqual([{ iteration: 1, value: 37 }]);
    expect(out.series['return/learned']).toBeUndefined();
    expect(out.notes).toHaveLength(1);
    expect(out.notes[0]).toMatch(/return\/learned of a neural run comes from the trainer's evaluation episodes/);
  });

  it('reports each unreadable checkpoint by name and scores none of them', async () => {
    const out = await metricsOf(brokenRunId, ['accuracy/heldout', 'correlation/segment_return']);
    expect(out.series['accuracy/heldout']).toEqual([]);
    expect(out.series['correlation/segment_return']).toEqual([]);
    const notes = out.notes.join('\n');
    expect(notes).toMatch(/iteration 0\) of run \d+ is corrupt: the weights fail their checksum/);
    expect(notes).toMatch(/iteration 1\) of run \d+ is not a SoBiRL neural checkpoint/);
    expect(notes).toMatch(/iteration 2\) of run \d+ is a reward model for 6 observations and 3 actions; cartpole has 4 and 2/);
    expect(notes).toMatch(/iteration 3\) of run \d+ is format v1; this build reads neural checkpoints of format v1001/);
  });

  it("a checkpoint of mountaincar's old 2-value observation: the run page says so and to start a new run", async () => {
    const pair = (await callerFor(env.db, researcher).inspect.pairs({ runId: oldMountaincarRunId, limit: 1 }))[0]!;
    const detail = await callerFor(env.db, researcher).inspect.pair({ pairId: pair.pairId });
    expect(detail.scoredBy).toBeNull();
    expect(detail.clipA.learnedReward).toBeNull();
    expect(detail.clipA.trueReward).toEqual([-1, -1]);
    expect(detail.notes.join(' ')).toMatch(
      /iteration 0\) of run \d+: this run's checkpoint was written for mountaincar's old 2-value observation \(this build's mountaincar observes 66 values\); start a new run/,
    );
  });

  it(`scores at most ${NEURAL_SERIES_CHECKPOINTS} checkpoints, spread over the run with the first and newest, and says so`, async () => {
    const out = await metricsOf(longRunId, ['accuracy/heldout']);
    const iterations = out.series['accuracy/heldout']!.map((p) => p.iteration);
    expect(iterations).toEqual(sampleCheckpoints(Array.from({ length: 45 }, (_, k) => k), NEURAL_SERIES_CHECKPOINTS));
    expect(iterations.length).toBeLessThanOrEqual(NEURAL_SERIES_CHECKPOINTS);
    expect(iterations.length).toBeGreaterThan(NEURAL_SERIES_CHECKPOINTS / 2);
    expect(iterations[0]).toBe(0);
    expect(iterations.at(-1)).toBe(44);
    // r = x + a: the left clip (x = 1, pushing right) returns 4, the right one 0; the label says left.
    expect(out.series['accuracy/heldout']!.every((p) => p.value === 1)).toBe(true);
    expect(out.notes.join(' ')).toMatch(new RegExp(`on ${iterations.length} of 45 checkpoints`));
  });
});

describe('inspect.pair for a neural run', () => {
  it("gives the newest checkpoint's learned reward per step beside the replayed true reward, no heat map", async () => {
    const detail = await callerFor(env.db, researcher).inspect.pair({ pairId: pairIds[1]! });
    expect(detail.scoredBy).toEqual({ id: k2Id, iteration: 2 });
    expect(detail.clipA.learnedReward).toEqual([-2, -5]); // c3 under r = -2x
    expect(detail.clipA.trueReward).toEqual([1, 0]); // the second state has fallen (x = 2.5)
    expect(detail.clipB.learnedReward).toEqual([2, 2]);
    expect(detail.clipB.trueReward).toEqual([1, 1]);
    expect(detail.heatmap).toBeNull();
    expect(detail.notes).toEqual([]);
  });

  it('scores with a chosen checkpoint (the ensemble mean)', async () => {
    const detail = await callerFor(env.db, researcher).inspect.pair({ pairId: pairIds[1]!, checkpointId: k1Id });
    expect(detail.scoredBy).toEqual({ id: k1Id, iteration: 1 });
    expect(detail.clipA.learnedReward).toEqual([1, 3.5]); // c3 under r = x + a: (1 + 0), (2.5 + 1)
    expect(detail.clipB.learnedReward).toEqual([-1, -1]);
  });

  it('an unreadable checkpoint: no learned reward, the true reward and the reason instead', async () => {
    const pair = (await callerFor(env.db, researcher).inspect.pairs({ runId: brokenRunId, limit: 1 }))[0]!;
    const detail = await callerFor(env.db, researcher).inspect.pair({ pairId: pair.pairId });
    expect(detail.scoredBy).toBeNull();
    expect(detail.clipA.learnedReward).toBeNull();
    expect(detail.clipA.trueReward).toEqual([1, 1]);
    expect(detail.notes.join(' ')).toMatch(/iteration 3\) of run \d+ is format v1;/); // the newest checkpoint
  });
});

describe('neural caches stay bounded', () => {
  it('a refresh after new labels scores the new clips and reuses the cached ones', async () => {
    const db = env.db;
    const ann = await addUser(db, 'annotator');
    const run = await insertRun(db, { name: 'cartpole growing', envId: 'cartpole', config: {} });
    const clip = (x: number, a: number) => insertEnvClip(db, run, 'cartpole', [x, x, x].map(state), [a, a]);
    await insertBlobCheckpoint(db, { runId: run, iteration: 0, createdAt: T0, labelWatermark: 0, rewardModel: k1Blob }); // r = x + a
    await insertLabel(db, { pairId: await insertPair(db, run, await clip(1, 0), await clip(0, 0)), userId: ann.id, choice: 'left', answeredAt: T0 + MINUTE });
    expect((await metricsOf(run, ['accuracy/heldout'])).series['accuracy/heldout']).toEqual([{ iteration: 0, value: 1 }]);
    const before = neuralCacheSize(db).returns;
    // New clips: returns 2 * (-1 + 1) = 0 and 2 * (0.5 + 0) = 1; 'left' is wrong -> accuracy (1 + 0) / 2.
    await insertLabel(db, { pairId: await insertPair(db, run, await clip(-1, 1), await clip(0.5, 0)), userId: ann.id, choice: 'left', answeredAt: T0 + 2 * MINUTE });
    expect((await metricsOf(run, ['accuracy/heldout'])).series['accuracy/heldout']).toEqual([{ iteration: 0, value: 0.5 }]);
    expect(neuralCacheSize(db).returns - before).toBe(2); // only the two new clips cost a forward pass
  });


  it(`decoded models stay under ${NEURAL_CACHE_LIMITS.parameters} parameters however many checkpoints are read`, async () => {
    const scratch = await freshDb('inspect-neural-cache');
    try {
      const big = new RewardModel(makeRewardModelConfig({ obsSize: 4, numActions: 2, hiddenSizes: [256, 256] }));
      const blob = await saveCheckpoint(big);
      big.dispose();
      const run = await insertRun(scratch.db, { name: 'big', envId: 'cartpole', config: {} });
      const ctx = neuralContext({ envId: 'cartpole' });
      if (!ctx.ok) throw new Error(ctx.reason);
      let peak = 0;
      for (let k = 0; k < 60; k++) {
        const id = await insertBlobCheckpoint(scratch.db, { runId: run, iteration: k, createdAt: T0, labelWatermark: 0, rewardModel: blob });
        expect((await loadCheckpointRewardModel(scratch.db, run, ctx.value, id)).ok).toBe(true);
        peak = Math.max(peak, neuralCacheSize(scratch.db).parameters);
      }
      // 60 x ~67k parameters = ~4M would not fit: the oldest were evicted.
      expect(peak).toBeLessThanOrEqual(NEURAL_CACHE_LIMITS.parameters);
      expect(neuralCacheSize(scratch.db).models).toBeLessThan(60);
      expect(neuralCacheSize(scratch.db).models).toBeGreaterThan(10);
    } finally {
      await scratch.cleanup();
    }
  });
});
