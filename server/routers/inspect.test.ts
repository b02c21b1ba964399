import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { checkpoints, type User } from '@/db/schema';
import { grid5 } from '@/trainer/envs/grid5';
import { insertLabel } from '@/tests/helpers/server/export-fixtures';
import { addUser, callerFor, freshDb, outcome, inOrder } from '@/tests/helpers/server/fixtures';
import { MINUTE, T0, insertCheckpoint, insertClip, insertMetric, insertPair, insertRun } from '@/tests/helpers/server/inspect-fixtures';
import { firstRow } from '@/db/dialect';

/**
 * A hand-made grid5 run (features 'state': r(s, a) = x[s]) whose derived series are worked out
 * by hand below. True reward: +1 in state 24, -1 in state 12, 0 elsewhere.
 *
 * clips (states visited; return = sum over the first two states, one per action):
 *   c1: 24 24 24 -> true  2     c2: 12 12 12 -> true -2
 *   c3:  0  1  2 -> true  0     c4: 24 12 12 -> true  0
 * pairs: P1 (c1, c2), P2 (c3, c2), P3 (c3, c1), P4 (c4, c3)
 * labels, in id order (minutes after T0):
 *   l1 P1 left  @10    l2 P2 left @20    [undone P3 right @25]
 *   l3 P3 left  @40    l4 P4 equal @50   l5 P1 right (2nd annotator) @70    l6 P2 cant_tell @80
 * checkpoints:
 *   k0 @0  watermark 0   x = 0
 *   k1 @20 watermark l2  x[24] = 1, x[12] = -0.5, x[0] = 0.25
 *   k2 @90 watermark l6  x[24] = 3, x[12] = -2
 */
const S = 25, A = 4;
let env: Awaited<ReturnType<typeof freshDb>>;
let users: Record<'admin' | 'researcher' | 'annotator', User>;
let runId: number, otherRunId: number, neuralRunId: number, brokenRunId: number;
let pairIds: number[];
let k1Id: number, k2Id: number;
let x1: Float64Array, x2: Float64Array, Q1: Float64Array;

beforeAll(async () => {
  env = (await freshDb('inspect'));
  const db = env.db;
  users = { admin: await addUser(db, 'admin'), researcher: await addUser(db, 'researcher'), annotator: await addUser(db, 'annotator') };
  const ann1 = await addUser(db, 'annotator'), ann2 = await addUser(db, 'annotator');
  runId = (await insertRun(db, { name: 'sobirl grid' }));
  const [c1, c2, c3, c4] = (await inOrder([[24, 24, 24], [12, 12, 12], [0, 1, 2], [24, 12, 12]], (s) => insertClip(db, runId, s))) as [number, number, number, number];
  pairIds = await inOrder([[c1, c2], [c3, c2], [c3, c1], [c4, c3]], ([a, b]) => insertPair(db, runId, a!, b!));
  const [p1, p2, p3, p4] = pairIds as [number, number, number, number];
  const at = (m: number) => T0 + m * MINUTE;
  await insertLabel(db, { pairId: p1, userId: ann1.id, choice: 'left', answeredAt: at(10) });
  const l2 = await insertLabel(db, { pairId: p2, userId: ann1.id, choice: 'left', answeredAt: at(20) });
  await insertLabel(db, { pairId: p3, userId: ann1.id, choice: 'right', answeredAt: at(25), undone: true });
  await insertLabel(db, { pairId: p3, userId: ann1.id, choice: 'left', answeredAt: at(40) });
  await insertLabel(db, { pairId: p4, userId: ann1.id, choice: 'equal', answeredAt: at(50) });
  await insertLabel(db, { pairId: p1, userId: ann2.id, choice: 'right', answeredAt: at(70) });
  const l6 = await insertLabel(db, { pairId: p2, userId: ann2.id, choice: 'cant_tell', answeredAt: at(80) });

  x1 = new Float64Array(S);
  x1[24] = 1; x1[12] = -0.5; x1[0] = 0.25;
  x2 = new Float64Array(S);
  x2[24] = 3; x2[12] = -2;
  // A policy that prefers 'right' (3) everywhere and 'down' (1) a little in state 7.
  Q1 = new Float64Array(S * A);
  for (let s = 0; s < S; s++) Q1[s * A + 3] = 0.2;
  Q1[7 * A + 1] = 0.3;
  await insertCheckpoint(db, { runId, iteration: 0, createdAt: at(0), labelWatermark: 0, x: new Float64Array(S), Q: new Float64Array(S * A) });
  k1Id = (await insertCheckpoint(db, { runId, iteration: 1, createdAt: at(20), labelWatermark: l2, x: x1, Q: Q1 }));
  k2Id = (await insertCheckpoint(db, { runId, iteration: 2, createdAt: at(90), labelWatermark: l6, x: x2, Q: new Float64Array(S * A) }));
  await insertMetric(db, runId, 1, 'loss/preference', 0.9);
  await insertMetric(db, runId, 1, 'loss/preference', 0.7); // a redone iteration: the newer row wins
  await insertMetric(db, runId, 2, 'loss/preference', 0.5);
  await insertMetric(db, runId, 1, 'queue/pending', 32);

  otherRunId = (await insertRun(db, { name: 'drlhf grid', algorithm: 'drlhf' }));
  await insertMetric(db, otherRunId, 1, 'loss/preference', 0.66);
  neuralRunId = (await insertRun(db, { name: 'cartpole', envId: 'cartpole', config: {} }));
  await insertMetric(db, neuralRunId, 1, 'loss/preference', 0.4);

  brokenRunId = (await insertRun(db, { name: 'torn' }));
  const torn = await insertCheckpoint(db, { runId: brokenRunId, iteration: 0, createdAt: at(0), labelWatermark: 0, x: x1, Q: Q1 });
  const blob = Buffer.from((await firstRow(db.select({ b: checkpoints.rewardModel }).from(checkpoints).where(eq(checkpoints.id, torn))))!.b!);
  blob[blob.length - 1] = blob[blob.length - 1]! ^ 0xff;
  await db.update(checkpoints).set({ rewardModel: blob }).where(eq(checkpoints.id, torn));
});
afterAll(() => env.cleanup());

const series = (runs: Array<{ runId: number; series: Record<string, Array<{ iteration: number; value: number }>> }>, id: number, name: string) =>
  runs.find((r) => r.runId === id)!.series[name];

describe('inspect: roles', () => {
  const calls = {
    run: (c: ReturnType<typeof callerFor>) => c.inspect.run({ runId }),
    metrics: (c: ReturnType<typeof callerFor>) => c.inspect.metrics({ runIds: [runId] }),
    checkpoints: (c: ReturnType<typeof callerFor>) => c.inspect.checkpoints({ runId }),
    pair: (c: ReturnType<typeof callerFor>) => c.inspect.pair({ pairId: pairIds[0]! }),
    pairs: (c: ReturnType<typeof callerFor>) => c.inspect.pairs({ runId, limit: 5 }),
  };
  for (const [name, call] of Object.entries(calls)) {
    it(`inspect.${name}: researchers and admins only`, async () => {
      expect(await outcome(call(callerFor(env.db, null)))).toBe('UNAUTHORIZED');
      expect(await outcome(call(callerFor(env.db, users.annotator)))).toBe('FORBIDDEN');
      expect(await outcome(call(callerFor(env.db, users.researcher)))).toBe('OK');
      expect(await outcome(call(callerFor(env.db, users.admin)))).toBe('OK');
    });
  }

  it('answers NOT_FOUND for runs, pairs and checkpoints that do not exist', async () => {
    const c = callerFor(env.db, users.researcher);
    expect(await outcome(c.inspect.run({ runId: 999_999 }))).toBe('NOT_FOUND');
    expect(await outcome(c.inspect.metrics({ runIds: [999_999] }))).toBe('NOT_FOUND');
    expect(await outcome(c.inspect.checkpoints({ runId: 999_999 }))).toBe('NOT_FOUND');
    expect(await outcome(c.inspect.pair({ pairId: 999_999 }))).toBe('NOT_FOUND');
    // A checkpoint of another run cannot score this run's pair.
    const foreign = (await firstRow(env.db.select({ id: checkpoints.id }).from(checkpoints).where(eq(checkpoints.runId, brokenRunId))))!.id;
    expect(await outcome(c.inspect.pair({ pairId: pairIds[0]!, checkpointId: foreign }))).toBe('NOT_FOUND');
  });
});

describe('inspect.run / checkpoints / pairs', () => {
  it('counts live labels and lists same-env runs first for comparison', async () => {
    const r = await callerFor(env.db, users.researcher).inspect.run({ runId });
    expect(r.counts).toEqual({ clips: 4, pairs: 4, pairsPending: 0, labels: 6, annotators: 2, checkpoints: 3 });
    expect(r.tabular).toBe(true);
    expect(r.config).toMatchObject({ features: 'state', gamma: 0.9, tau: 0.1, horizon: 12 });
    expect(r.comparable.map((o) => o.id).slice(0, 2).sort()).toEqual([otherRunId, brokenRunId].sort());
    expect(r.comparable.at(-1)!.id).toBe(neuralRunId);
  });

  it('lists checkpoints newest first with blob sizes', async () => {
    const list = await callerFor(env.db, users.researcher).inspect.checkpoints({ runId });
    expect(list.map((c) => c.iteration)).toEqual([2, 1, 0]);
    expect(list[0]).toMatchObject({ id: k2Id, rewardModelBytes: 16 + 8 * S, policyBytes: 16 + 8 * S * A });
  });

  it('lists recently labeled pairs, newest label first, live labels only', async () => {
    const recent = await callerFor(env.db, users.researcher).inspect.pairs({ runId, limit: 3 });
    const [p1, p2, , p4] = pairIds as [number, number, number, number];
    // Newest live label per pair: P2 l6, P1 l5, P4 l4, P3 l3 (its undone label does not count).
    expect(recent.map((p) => p.pairId)).toEqual([p2, p1, p4]);
    expect(recent[0]!.choices.sort()).toEqual(['cant_tell', 'left']);
    expect(recent[2]).toMatchObject({ labelCount: 1, choices: ['equal'] });
  });
});

describe('inspect.metrics', () => {
  it("returns the trainer's series per run, the newest row of a redone iteration, narrowed by names", async () => {
    const out = await callerFor(env.db, users.researcher).inspect.metrics({ runIds: [runId, otherRunId], names: ['loss/preference'] });
    expect(out.map((r) => r.runId)).toEqual([runId, otherRunId]);
    expect(series(out, runId, 'loss/preference')).toEqual([{ iteration: 1, value: 0.7 }, { iteration: 2, value: 0.5 }]);
    expect(series(out, otherRunId, 'loss/preference')).toEqual([{ iteration: 1, value: 0.66 }]);
    expect(Object.keys(out[0]!.series)).toEqual(['loss/preference']);
  });

  it('labels per hour: live labels answered between consecutive checkpoints over the hours between them', async () => {
    const out = await callerFor(env.db, users.researcher).inspect.metrics({ runIds: [runId], names: ['labels/per_hour'] });
    // k0 -> k1 (0, 20 min]: l1, l2 -> 2 / (1/3 h) = 6.  k1 -> k2 (20, 90 min]: l3..l6 (the undone one is out) -> 4 / (7/6 h).
    const points = series(out, runId, 'labels/per_hour')!;
    expect(points.map((p) => p.iteration)).toEqual([1, 2]);
    expect(points[0]!.value).toBeCloseTo(6, 12);
    expect(points[1]!.value).toBeCloseTo(24 / 7, 12);
  });

  it('held-out accuracy: strict labels above each checkpoint watermark, ranked by learned segment return', async () => {
    const out = await callerFor(env.db, users.researcher).inspect.metrics({ runIds: [runId], names: ['accuracy/heldout'] });
    // k0 (x = 0): strict labels l1, l2, l3, l5 (l4 is 'equal', l6 has no preference) -> every delta 0 -> 1/2 each -> 0.5.
    // k1: held out = above l2: l3 (c3 vs c1: 0.25 vs 2, said left: wrong) and l5 (c1 vs c2: 2 vs -1, said right: wrong)
    //     -> 0. (Counting l1 and l2, which k1 trained on and ranks right, would give 0.5.)
    // k2: nothing held out yet -> no point.
    const points = series(out, runId, 'accuracy/heldout')!;
    expect(points).toEqual([{ iteration: 0, value: 0.5 }, { iteration: 1, value: 0 }]);
  });

  it('learned-vs-true correlation over the labeled clips (Pearson, by hand)', async () => {
    const out = await callerFor(env.db, users.researcher).inspect.metrics({ runIds: [runId], names: ['correlation/segment_return'] });
    // k0: learned returns all 0 -> no variance -> no point.
    // k1: learned (2, -1, 0.25, 0.5) vs true (2, -2, 0, 0): mean 0.4375 and 0; Sxy = 4 + 2 = 6, Syy = 8,
    //     Sxx = 1.5625^2 + 1.4375^2 + 0.1875^2 + 0.0625^2 = 4.546875 -> r = 6 / sqrt(36.375).
    // k2: learned (6, -4, 0, 3 - 2 = 1) vs true: mean 0.75; Sxy = 12 + 8 = 20, Sxx = 27.5625 + 22.5625 + 0.5625 + 0.0625 = 50.75
    //     -> r = 20 / sqrt(50.75 * 8) = 20 / sqrt(406).
    const points = series(out, runId, 'correlation/segment_return')!;
    expect(points.map((p) => p.iteration)).toEqual([1, 2]);
    expect(points[0]!.value).toBeCloseTo(6 / Math.sqrt(36.375), 12);
    expect(points[1]!.value).toBeCloseTo(20 / Math.sqrt(406), 12);
  });

  it("learned return: the checkpoint's soft policy evaluated under its own reward (checked by plain value iteration)", async () => {
    const out = await callerFor(env.db, users.researcher).inspect.metrics({ runIds: [runId], names: ['return/learned'] });
    const points = series(out, runId, 'return/learned')!;
    expect(points.map((p) => p.iteration)).toEqual([0, 1, 2]);
    expect(points[0]!.value).toBe(0);
    // Independent: pi = softmax(Q1 / tau) written out, V <- r_pi + gamma P_pi V iterated to convergence.
    const tau = 0.1, gamma = 0.9, P = grid5.tabular!.model.transitions;
    const pi = new Float64Array(S * A);
    for (let s = 0; s < S; s++) {
      const w = [0, 1, 2, 3].map((a) => Math.exp(Q1[s * A + a]! / tau));
      const total = w.reduce((t, v) => t + v, 0);
      w.forEach((v, a) => (pi[s * A + a] = v / total));
    }
    let V = new Float64Array(S);
    for (let sweep = 0; sweep < 500; sweep++) {
      const next = new Float64Array(S);
      for (let s = 0; s < S; s++) {
        for (let a = 0; a < A; a++) {
          let ev = 0;
          for (let t = 0; t < S; t++) ev += P[(s * A + a) * S + t]! * V[t]!;
          next[s] = next[s]! + pi[s * A + a]! * (x1[s]! + gamma * ev);
        }
      }
      V = next;
    }
    const expected = V.reduce((t, v) => t + v, 0) / S;
    expect(points[1]!.value).toBeCloseTo(expected, 9);
  });

  it('explains what neural runs leave out and unreadable checkpoints, and keeps the rest', async () => {
    const out = await callerFor(env.db, users.admin).inspect.metrics({ runIds: [neuralRunId, brokenRunId] });
    const neural = out.find((r) => r.runId === neuralRunId)!;
    expect(neural.series['loss/preference']).toEqual([{ iteration: 1, value: 0.4 }]);
    // No checkpoint yet: empty series (inspect-neural.test.ts has a neural run with checkpoints).
    expect(neural.series['accuracy/heldout']).toEqual([]);
    expect(neural.series['return/learned']).toBeUndefined();
    expect(neural.notes.join(' ')).toMatch(/return\/learned of a neural run comes from the trainer's evaluation episodes/);
    const broken = out.find((r) => r.runId === brokenRunId)!;
    expect(broken.series['return/learned']).toEqual([]);
    expect(broken.notes.join(' ')).toMatch(/checksum mismatch/);
  });
});

describe('inspect.pair', () => {
  it("gives both clips, the live labels, and the newest checkpoint's reward per step and table", async () => {
    const detail = await callerFor(env.db, users.researcher).inspect.pair({ pairId: pairIds[0]! });
    expect(detail.labels.map((l) => l.choice)).toEqual(['left', 'right']);
    expect(detail.scoredBy).toEqual({ id: k2Id, iteration: 2 });
    expect(detail.clipA.learnedReward).toEqual([3, 3]);
    expect(detail.clipB.learnedReward).toEqual([-2, -2]);
    expect(detail.clipA.trueReward).toEqual([1, 1]);
    expect(detail.clipB.trueReward).toEqual([-1, -1]);
    const map = detail.heatmap!;
    expect(map).toMatchObject({ S, A, rows: 5, cols: 5 });
    expect(map.cells[24]).toEqual({ row: 4, col: 4 });
    // 'state' features: every action of a state has that state's x.
    expect(map.learned.slice(24 * A, 25 * A)).toEqual([3, 3, 3, 3]);
    expect(map.true.slice(12 * A, 13 * A)).toEqual([-1, -1, -1, -1]);
  });

  it('scores with a chosen checkpoint', async () => {
    const detail = await callerFor(env.db, users.researcher).inspect.pair({ pairId: pairIds[1]!, checkpointId: k1Id });
    expect(detail.scoredBy).toEqual({ id: k1Id, iteration: 1 });
    expect(detail.clipA.learnedReward).toEqual([0.25, 0]); // c3 visits 0 then 1
    expect(detail.labels.map((l) => l.choice)).toEqual(['left', 'cant_tell']);
  });
});
