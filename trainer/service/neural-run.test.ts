import * as tf from '@tensorflow/tfjs';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, clips, labels, metrics, pairs, runs } from '@/db/schema';
import { seedIfEmpty, DEMO_RUNS } from '@/scripts/seed/seed';
import { writeTx } from '@/db/transactions';
import { addUser, callerFor, freshDb, inOrder } from '@/tests/helpers/server/fixtures';
import { makeRng, type Rng } from '../core/rng';
import { getEnv } from '../envs';
import { RLHF_DEFAULTS } from '../envs/rlhf-defaults';
import { loadRewardModel } from '../models/checkpoint';
import { useTestBackend } from '../../tests/helpers/trainer/test-backend';
import { makeTeacher } from '../teachers';
import { NEURAL_CHECKPOINT_ROW_FORMAT } from '../contracts/neural-checkpoint';
import { duplicatePairCounts } from '../../tests/helpers/trainer/service';
import { clipSegment } from './label-rows';
import { poissonWeight } from '../core/poisson-weight';
import { QueryEnsemble } from './neural-engine';
import { NeuralEngine, labelsPerIteration, pendingTargetFor, type NeuralLearner } from './neural-run';
import { clipToSegment } from './simulated-annotators';
import { discreteActions } from '../contracts/clip-actions';
import { TrainerService } from './trainer-service';
import { firstRow, returnedRow } from '@/db/dialect';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
beforeAll(async () => {
  await useTestBackend();
});

/** Tiny settings: an iteration in a fraction of a second on wasm. */
const TINY = {
  seed: 4,
  horizon: 10,
  iterationTimeoutMs: 600_000,
  neural: { envStepsPerIter: 200, updatesPerIter: 50, minReplay: 100, evalEpisodes: 2, hiddenSizes: [16], ensembleSteps: 5 },
  algorithm: { upperSteps: 3, rolloutSteps: 5, exploreWarmup: 0 },
};
const BATCH = 8;

async function newCartpoleRun(db: Db, config: Record<string, unknown> = TINY): Promise<number> {
  return writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(runs).values({ name: 'cartpole', envId: 'cartpole', algorithm: 'sobirl', instructions: 'Keep the pole up.', labelBatchSize: BATCH, config })
      .returning({ id: runs.id }))).id,
  );
}

/** `n` labels from a scripted teacher through label.next / label.submit, as a person would. */
async function annotate(db: Db, runId: number, n: number, rng: Rng, submitted: number[]): Promise<void> {
  const caller = callerFor(db, await addUser(db, 'annotator'));
  const teacher = makeTeacher({ beta: 1 });
  for (let done = 0; done < n; done++) {
    const { pair } = await caller.label.next({ runId });
    if (!pair) throw new Error(`the queue of run ${runId} ran empty after ${done} labels`);
    const answer = teacher.label(clipToSegment(pair.left), clipToSegment(pair.right), rng);
    const choice = answer.kind === 'skip' ? 'cant_tell' : answer.y === 1 ? 'left' : answer.y === 0 ? 'right' : 'equal';
    const now = Date.now();
    const result = await caller.label.submit({ submissionId: randomUUID(), pairId: pair.id, choice, shownAt: now, answeredAt: now });
    submitted.push(result.labelId);
  }
}

const runRow = async (db: Db, runId: number) => (await firstRow(db.select().from(runs).where(eq(runs.id, runId))))!;
const checkpointAt = async (db: Db, runId: number, iteration: number) =>
  (await firstRow(db.select().from(checkpoints).where(and(eq(checkpoints.runId, runId), eq(checkpoints.iteration, iteration)))))!;
const liveLabelsUpTo = async (db: Db, watermark: number) =>
  (await firstRow(db.select({ n: sql<number>`count(*)` }).from(labels).where(and(isNotNull(labels.y), sql`${labels.undoneAt} is null`, sql`${labels.id} <= ${watermark}`))))!.n;

/** Observations and actions of every stored clip of the run (what the reward model is asked about). */
async function clipSteps(db: Db, runId: number): Promise<{ obs: Float32Array; actions: Int32Array }> {
  const env = getEnv('cartpole');
  const rows = await db.select({ states: clips.states, actions: clips.actions, logProbs: clips.logProbs }).from(clips).where(eq(clips.runId, runId)).limit(20);
  const obs: number[] = [], actions: number[] = [];
  for (const row of rows) {
    const seg = clipSegment('cartpole', { ...row, actions: discreteActions(row.actions, 'this test') });
    seg.actions.forEach((a, h) => {
      obs.push(...env.observe(seg.states[h] as never));
      actions.push(a);
    });
  }
  return { obs: Float32Array.from(obs), actions: Int32Array.from(actions) };
}

async function expectNoDuplicatePairs(db: Db, runId: number): Promise<void> {
  expect(await duplicatePairCounts(db, runId)).toEqual({ slots: 0, clips: 0 });
}

describe('the trainer service on a cartpole run (neural engine)', () => {
  it('bootstraps, iterates on labels from label.submit, checkpoints that reproduce the model, and no tensor leak', async () => {
    const { db, cleanup } = await freshDb('h14-neural');
    cleanups.push(cleanup);
    const runId = await newCartpoleRun(db);
    const lines: string[] = [];
    const service = new TrainerService({ db, log: (l) => lines.push(l), simulate: false });
    const rng = makeRng(21);
    const submitted: number[] = [];

    expect((await service.runOnce()).get(runId)).toBe('bootstrapped');
    const first = await checkpointAt(db, runId, 0);
    expect(first.formatVersion).toBe(NEURAL_CHECKPOINT_ROW_FORMAT);
    // The first pairs: clips of `horizon` steps (or shorter when the pole fell), from the untrained policy.
    const queued = await db.select({ a: pairs.clipAId }).from(pairs).where(eq(pairs.runId, runId));
    expect(queued.length).toBe(2 * BATCH);
    const clip = (await firstRow(db.select().from(clips).where(eq(clips.runId, runId))))!;
    expect(clip.actions.length).toBeGreaterThan(0);
    expect(clip.actions.length).toBeLessThanOrEqual(TINY.horizon);
    expect(clip.states.length).toBe(clip.actions.length + 1);
    expect(clip.logProbs.every((lp) => lp <= 0)).toBe(true);
    expect(clip.trueReturn).toBe(clip.actions.length); // cartpole: +1 per step

    let tensorsAfterFirst = 0;
    for (let k = 1; k <= 3; k++) {
      await annotate(db, runId, BATCH, rng, submitted);
      expect((await service.runOnce()).get(runId)).toBe('iterated');
      if (k === 1) tensorsAfterFirst = tf.memory().numTensors;
      const run = await runRow(db, runId);
      expect(run.iteration).toBe(k);
      const cp = await checkpointAt(db, runId, k);
      expect(cp.labelWatermark).toBe(Math.max(...submitted));
      expect(cp.labelsUsed).toBe(await liveLabelsUpTo(db, cp.labelWatermark));
    }
    // Replaced models and per-iteration tensors are disposed: the count stays flat.
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    expect((await runRow(db, runId)).lastError).toBeNull();

    // The newest checkpoint's reward blob reproduces the in-memory model's predictions.
    const driver = service.driverFor(runId);
    expect(driver!.engine).toBeInstanceOf(NeuralEngine);
    const inMemory = (driver!.currentLearner() as NeuralLearner).models.upper!.rewardModel;
    const { obs, actions } = await clipSteps(db, runId);
    const newest = await checkpointAt(db, runId, 3);
    const fromBlob = await loadRewardModel(newest.rewardModel!);
    const expected = inMemory.predictRewards(obs, actions), got = fromBlob.predictRewards(obs, actions);
    fromBlob.dispose();
    expect(Array.from(got)).toEqual(Array.from(expected));
    // ... and it is not the untrained model's (the blob changes as the model learns).
    const untrained = await loadRewardModel(first.rewardModel!);
    const before = untrained.predictRewards(obs, actions);
    untrained.dispose();
    expect(Array.from(before)).not.toEqual(Array.from(got));

    // Metrics of the last iteration, one log line per iteration, fresh pairs from the newest checkpoint.
    for (const name of ['loss/preference', 'hypergrad/norm', 'loss/td', 'return/true', 'labels/used', 'labels/fresh', 'queue/pending', 'query/disagreement', 'time/iteration_s']) {
      const row = await firstRow(db.select().from(metrics).where(and(eq(metrics.runId, runId), eq(metrics.name, name), eq(metrics.iteration, 3))));
      expect(row, name).toBeDefined();
    }
    expect(lines.filter((l) => /trainer run=\d+ k=\d+ loss=\d/.test(l)).length).toBe(3);
    // Every label of an iteration was drawn by the checkpoint the learner resumed from.
    expect((await firstRow(db.select().from(metrics).where(and(eq(metrics.runId, runId), eq(metrics.name, 'labels/fresh'), eq(metrics.iteration, 3)))))!.value).toBe(BATCH);
    const fromNewest = (await firstRow(db.select({ n: sql<number>`count(*)` }).from(pairs).where(and(eq(pairs.checkpointId, newest.id), eq(pairs.status, 'pending')))))!.n;
    expect(fromNewest).toBeGreaterThanOrEqual(2 * BATCH);
    await expectNoDuplicatePairs(db, runId);
    await service.stop();
  });

  it('a restarted service resumes from the newest checkpoint: no label lost or used twice; a corrupt one falls back', async () => {
    const { db, cleanup } = await freshDb('h14-neural-restart');
    cleanups.push(cleanup);
    const runId = await newCartpoleRun(db);
    const rng = makeRng(22);
    const submitted: number[] = [];
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const first = new TrainerService({ db, log, simulate: false });
    await first.runOnce();
    await annotate(db, runId, BATCH, rng, submitted);
    expect((await first.runOnce()).get(runId)).toBe('iterated');
    await first.stop();

    // Restart: a new service, nothing in memory. It resumes from iteration 1's checkpoint.
    const second = new TrainerService({ db, log, simulate: false });
    await annotate(db, runId, BATCH, rng, submitted);
    expect((await second.runOnce()).get(runId)).toBe('iterated');
    const cp1 = await checkpointAt(db, runId, 1), cp2 = await checkpointAt(db, runId, 2);
    expect(lines.some((l) => l.includes(`resumed from checkpoint ${cp1.id} (iteration 1)`))).toBe(true);
    expect(cp2.labelsUsed).toBe(2 * BATCH);
    expect(cp2.labelsUsed).toBe(await liveLabelsUpTo(db, cp2.labelWatermark));
    expect(cp2.labelWatermark).toBe(Math.max(...submitted));
    // Only the labels since iteration 1 were new: the restart did not re-consume the first batch.
    expect((await firstRow(db.select().from(metrics).where(and(eq(metrics.runId, runId), eq(metrics.name, 'labels/new'), eq(metrics.iteration, 2)))))!.value).toBe(BATCH);
    // The resumed learner reproduces checkpoint 1 before training: its reward blob, loaded twice, agrees.
    await second.stop();

    // Damage iteration 2's policy blob (one byte of the weights): the checksum must catch it.
    const damaged = Buffer.from(cp2.policy!);
    damaged[damaged.length - 5] = damaged[damaged.length - 5]! ^ 0xff;
    await writeTx(db, async (tx) => (await tx.update(checkpoints).set({ policy: damaged }).where(eq(checkpoints.id, cp2.id))));
    const third = new TrainerService({ db, log, simulate: false });
    await annotate(db, runId, 4, rng, submitted);
    const ensure = await third.runOnce(Date.now() + 700_000); // past the iteration timeout: 4 labels are enough
    expect(ensure.get(runId)).toBe('iterated');
    const run = await runRow(db, runId);
    expect(run.lastError).toMatch(new RegExp(`checkpoint ${cp2.id} \\(iteration 2\\) of run ${runId}: policy is corrupt: the weights fail their checksum; resuming from the previous checkpoint`));
    expect(lines.some((l) => l.includes(`resumed from checkpoint ${cp1.id} (iteration 1)`))).toBe(true);
    expect(run.iteration).toBe(3);
    // Resumed from iteration 1 (watermark after 8 labels): the 8 + 4 labels since count as new, each once.
    const cp3 = await checkpointAt(db, runId, 3);
    expect(cp3.labelsUsed).toBe(submitted.length);
    expect((await firstRow(db.select().from(metrics).where(and(eq(metrics.runId, runId), eq(metrics.name, 'labels/new'), eq(metrics.iteration, 3)))))!.value).toBe(BATCH + 4);
    await expectNoDuplicatePairs(db, runId);
    await third.stop();
  });

  it('waits for a batch of labels on the newest checkpoint pairs: labels on older pairs alone do not start an iteration', async () => {
    const { db, cleanup } = await freshDb('h14-neural-fresh');
    cleanups.push(cleanup);
    const runId = await newCartpoleRun(db);
    const service = new TrainerService({ db, log: () => {}, simulate: false });
    const rng = makeRng(23);
    const submitted: number[] = [];
    await service.runOnce();
    // Eight annotators take a pair of checkpoint 0 each and answer only after checkpoint 1 exists.
    const late = await inOrder(Array.from({ length: BATCH }), async () => callerFor(db, await addUser(db, 'annotator')));
    const leased = [];
    for (const caller of late) leased.push({ caller, pair: (await caller.label.next({ runId })).pair! });
    await annotate(db, runId, BATCH, rng, submitted);
    expect((await service.runOnce()).get(runId)).toBe('iterated');
    const cp1 = await checkpointAt(db, runId, 1);
    for (const { caller, pair } of leased) {
      const now = Date.now();
      await caller.label.submit({ submissionId: randomUUID(), pairId: pair.id, choice: 'left', shownAt: now, answeredAt: now });
    }
    expect(['idle', 'topped-up']).toContain((await service.runOnce()).get(runId));
    expect((await runRow(db, runId)).iteration).toBe(1);
    // A batch on checkpoint 1's pairs starts it; the late labels are used as well.
    await annotate(db, runId, BATCH, rng, submitted);
    const pairCheckpoints = (await db.select({ c: pairs.checkpointId }).from(labels).innerJoin(pairs, eq(pairs.id, labels.pairId))).map((r) => r.c);
    expect(pairCheckpoints.filter((c) => c === cp1.id).length).toBe(BATCH);
    expect((await service.runOnce()).get(runId)).toBe('iterated');
    const metric = async (name: string) => (await firstRow(db.select().from(metrics).where(and(eq(metrics.runId, runId), eq(metrics.name, name), eq(metrics.iteration, 2)))))!.value;
    expect(await metric('labels/fresh')).toBe(BATCH);
    expect(await metric('labels/new')).toBe(2 * BATCH);
    await service.stop();
  });

  it('the demo seed cartpole run trains: bootstrap, then an iteration on labels of its seeded pairs', async () => {
    const { db, cleanup } = await freshDb('h14-neural-demo');
    cleanups.push(cleanup);
    const seeded = await seedIfEmpty(db, { bcryptRounds: 4, pairsPerRun: 20, demoRuns: DEMO_RUNS.filter((d) => d.envId === 'cartpole'), env: {} });
    const runId = seeded.runIds[0]!;
    // The demo config (clipLength 25), with the tiny schedule so the test stays fast.
    await writeTx(db, async (tx) => (await tx.update(runs).set({ labelBatchSize: BATCH, config: { ...(await runRow(db, runId)).config, ...TINY, horizon: undefined } }).where(eq(runs.id, runId))));
    const service = new TrainerService({ db, log: () => {}, simulate: false });
    expect((await service.runOnce()).get(runId)).toBe('bootstrapped');
    // 20 seeded pairs already exceed the target (2 x 8): the bootstrap checkpoint queued none of its own.
    expect((await firstRow(db.select({ n: sql<number>`count(*)` }).from(pairs).where(isNotNull(pairs.checkpointId))))!.n).toBe(0);
    await annotate(db, runId, BATCH, makeRng(24), []);
    // No pair of the newest checkpoint is pending, so labels on seeded pairs start the iteration.
    expect((await service.runOnce()).get(runId)).toBe('iterated');
    expect((await checkpointAt(db, runId, 1)).labelsUsed).toBe(BATCH);
    expect(Math.max(...(await db.select({ a: clips.actions }).from(clips).where(isNotNull(clips.checkpointId))).map((c) => c.a.length))).toBeLessThanOrEqual(25);
    await service.stop();
  });

  it('a cartpole run stored without gamma / tau / horizon trains with cartpole defaults; oracle and m-sobirl are refused in words', async () => {
    const { db, cleanup } = await freshDb('h14-neural-defaults');
    cleanups.push(cleanup);
    const { horizon: _h, ...noHorizon } = TINY;
    const runId = await newCartpoleRun(db, noHorizon);
    const oracleRun = await writeTx(db, async (tx) => (await returnedRow(tx.insert(runs).values({ name: 'o', envId: 'cartpole', algorithm: 'oracle', instructions: 'x', config: TINY }).returning({ id: runs.id }))).id);
    const service = new TrainerService({ db, log: () => {}, simulate: false });
    const outcomes = await service.runOnce();
    expect(outcomes.get(runId)).toBe('bootstrapped');
    expect(outcomes.get(oracleRun)).toBe('blocked');
    expect((await runRow(db, oracleRun)).lastError).toMatch(/oracle.*simulat/);
    // Clips as long as cartpole's horizon (25), longer than grid5's 12 the schema once defaulted to;
    // a shorter one is an episode that ended (the pole fell) inside it.
    const env = getEnv('cartpole');
    const stored = await db.select({ states: clips.states, actions: clips.actions }).from(clips).where(eq(clips.runId, runId));
    const horizon = RLHF_DEFAULTS.cartpole!.horizon;
    expect(Math.max(...stored.map((c) => c.actions.length))).toBeGreaterThan(RLHF_DEFAULTS.grid5!.horizon);
    for (const c of stored) {
      expect(c.actions.length).toBeLessThanOrEqual(horizon);
      if (c.actions.length < horizon) expect(env.step(c.states.at(-2) as never, discreteActions(c.actions, 'this test').at(-1)!, makeRng(0)).done).toBe(true);
    }
    await service.stop();
  });
});

describe('neural engine pieces', () => {
  it('sizes the pending target from the measured demand of recent iterations, never below factor x batch', () => {
    expect(pendingTargetFor(2, 16, [])).toBe(32);
    expect(pendingTargetFor(2, 16, [10, 12])).toBe(32);
    expect(pendingTargetFor(2, 16, [40, 95, 60])).toBe(190);
    expect(pendingTargetFor(2.5, 16, [41])).toBe(103);
    expect(pendingTargetFor(20, 1024, [5000])).toBe(2000); // capped
  });

  it('demand = arrival rate x (iteration seconds + slack); a burst counts at its own rate', () => {
    // 20 annotators at 1 label/s: 40 labels over 2 s; an 8 s iteration plus 1 s slack -> 180 labels.
    expect(labelsPerIteration({ count: 40, spanMs: 2000 }, 8)).toBeCloseTo(180, 9);
    // A starved queue: 16 labels in a 0.4 s burst count as 16 labels/s (the span is floored at 1 s).
    expect(labelsPerIteration({ count: 16, spanMs: 400 }, 4)).toBeCloseTo(80, 9);
    // A trickle (one label a minute) asks for little.
    expect(labelsPerIteration({ count: 3, spanMs: 120_000 }, 4)).toBeCloseTo(0.125, 9);
    expect(labelsPerIteration({ count: 1, spanMs: 0 }, 4)).toBe(1);
  });

  it('bootstrap weights are Poisson(1): frequencies match e^-1 / k! and stay fixed per (label, member)', () => {
    const n = 20_000;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[Math.min(3, poissonWeight(i, i % 5))]!++;
    const p = [Math.exp(-1), Math.exp(-1), Math.exp(-1) / 2];
    p.forEach((pk, k) => expect(Math.abs(counts[k]! / n - pk)).toBeLessThan(0.015));
    expect(poissonWeight(123, 2)).toBe(poissonWeight(123, 2));
  });

  it('ensemble disagreement is 0 on a pair of identical clips and positive on different ones', async () => {
    const env = getEnv('cartpole');
    const ensemble = new QueryEnsemble(env as never, 4, [8], 1);
    const rng = makeRng(3);
    let state = env.reset(rng);
    const states = [state], actions: number[] = [];
    for (let h = 0; h < 6; h++) {
      const a = h % 2;
      state = env.step(state, a, rng).state;
      states.push(state);
      actions.push(a);
    }
    const seg = clipSegment('cartpole', { states, actions, logProbs: actions.map(() => -0.7) });
    const shorter = clipSegment('cartpole', { states: states.slice(0, 3), actions: actions.slice(0, 2), logProbs: [-0.7, -0.7] });
    const scores = ensemble.score([seg, seg], [seg, shorter], env as never, 6);
    ensemble.dispose();
    expect(scores[0]).toBeCloseTo(0, 6);
    expect(scores[1]).toBeGreaterThan(0);
  });
});
