import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, labels, pairs, runs } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { addUser, callerFor, freshDb } from '@/tests/helpers/server/fixtures';
import { makeRng } from '../core/rng';
import { getEnv } from '../envs';
import type { Env } from '../envs/types';
import { ExperienceCollector } from '../algorithms/neural/experience';
import { LowerLevel } from '../algorithms/neural/lower-level';
import { RewardModel, makeRewardModelConfig } from '../models/reward-model';
import { useTestBackend } from '../../tests/helpers/trainer/test-backend';
import { makeTeacher } from '../teachers';
import { collectSliced, trainLowerSliced } from './neural-engine';
import { TimeSlicer } from './time-slicer';
import { clipToSegment } from './simulated-annotators';
import { serverLabelQueue } from '../../tests/helpers/trainer/label-queue';
import { TrainerService } from './trainer-service';
import { firstRow, returnedRow } from '@/db/dialect';

/**
 * Issue 4: a neural iteration must not stall the rest of the service. The sliced loops compute
 * exactly what the unsliced ones do; a grid5 run and its simulated annotators go on while a
 * cartpole iteration is in flight; stop() waits for that iteration's commit; and the iteration's
 * checkpoint does not depend on what ran in between its slices.
 */
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
beforeAll(async () => {
  await useTestBackend();
});

const BATCH = 8;
/** Small networks, but enough Q updates that an iteration computes for ~1 s on wasm here. */
const CARTPOLE = {
  seed: 4,
  horizon: 10,
  iterationTimeoutMs: 600_000,
  // 8,000 Q updates: with the dense-MLP kernel (trainer/models/kernels) an iteration of 500 took
  // under 0.5 s, too short for the interleaving these tests observe.
  neural: { envStepsPerIter: 200, updatesPerIter: 8000, minReplay: 100, evalEpisodes: 2, hiddenSizes: [16], ensembleSteps: 5 },
  algorithm: { upperSteps: 3, rolloutSteps: 5, exploreWarmup: 0 },
};

function weightsOf(lower: LowerLevel): number[][] {
  return lower.q.namedWeights().map((w) => Array.from(w.variable.dataSync()));
}

describe('slicing computes what the unsliced loops compute', () => {
  it('N soft Q updates one at a time (yielding between them) equal lower.train: same loss, same online and target weights, same Rng draws', async () => {
    const env = getEnv('cartpole') as Env<unknown>;
    const settings = { updatesPerIter: 40, replayCapacity: 1000, minReplay: 50, softQ: { hiddenSizes: [16], batchSize: 32, targetUpdateRate: 0.05 } };
    const whole = new LowerLevel(env.observationSize, env.actionNames.length, 0.99, 0.05, 7, settings);
    const sliced = new LowerLevel(env.observationSize, env.actionNames.length, 0.99, 0.05, 7, settings);
    const reward = new RewardModel(makeRewardModelConfig({ obsSize: env.observationSize, numActions: env.actionNames.length, hiddenSizes: [8], seed: 3 }));
    try {
      const transitions = new ExperienceCollector(env, 4, makeRng(1)).collect(whole.policy, 200);
      whole.add(transitions);
      sliced.add(transitions);
      expect(weightsOf(sliced)).toEqual(weightsOf(whole)); // same start

      const rngWhole = makeRng(5), rngSliced = makeRng(5);
      const lossWhole = whole.train(reward, rngWhole);
      const slicer = new TimeSlicer(0); // yield after every update: the most interleaving possible
      const lossSliced = await trainLowerSliced(sliced, reward, rngSliced, slicer);

      expect(slicer.yields).toBe(settings.updatesPerIter);
      expect(lossWhole).toBeGreaterThan(0);
      expect(lossSliced).toBe(lossWhole);
      expect(weightsOf(sliced)).toEqual(weightsOf(whole)); // online AND target (Polyak steps) bit-identical
      expect(await rngSliced.next()).toBe(await rngWhole.next()); // the same number of draws
      // And the updates did something (the comparison is not between two untouched networks).
      const fresh = new LowerLevel(env.observationSize, env.actionNames.length, 0.99, 0.05, 7, settings);
      expect(weightsOf(fresh)).not.toEqual(weightsOf(whole));
      fresh.dispose();
    } finally {
      whole.dispose();
      sliced.dispose();
      reward.dispose();
    }
  });

  it('below minReplay the sliced form skips training as lower.train does', async () => {
    const env = getEnv('cartpole') as Env<unknown>;
    const lower = new LowerLevel(env.observationSize, env.actionNames.length, 0.99, 0.05, 7, { updatesPerIter: 5, replayCapacity: 100, minReplay: 50, softQ: { hiddenSizes: [8] } });
    try {
      lower.add(new ExperienceCollector(env, 2, makeRng(2)).collect(lower.policy, 10));
      const before = weightsOf(lower);
      expect(await trainLowerSliced(lower, () => new Float32Array(0), makeRng(1), new TimeSlicer(0))).toBe(0);
      expect(weightsOf(lower)).toEqual(before);
    } finally {
      lower.dispose();
    }
  });

  it('collecting round by round equals one collect call (transitions, episode bookkeeping and Rng)', async () => {
    const env = getEnv('cartpole') as Env<unknown>;
    const lower = new LowerLevel(env.observationSize, env.actionNames.length, 0.99, 0.05, 3, { updatesPerIter: 1, replayCapacity: 10, minReplay: 1, softQ: { hiddenSizes: [8] } });
    try {
      const numEnvs = 3, steps = 301; // not a multiple of numEnvs: ceil(301 / 3) = 101 rounds
      const a = new ExperienceCollector(env, numEnvs, makeRng(11)), b = new ExperienceCollector(env, numEnvs, makeRng(11));
      const slicer = new TimeSlicer(0);
      const whole = a.collect(lower.policy, steps);
      const sliced = await collectSliced(b, lower.policy, steps, numEnvs, slicer);
      expect(whole.length).toBe(303);
      expect(slicer.yields).toBe(101);
      expect(sliced).toEqual(whole);
      expect(b.finishedReturns).toEqual(a.finishedReturns);
      expect(a.finishedReturns.length).toBeGreaterThan(0); // episodes ended and restarted inside the slices
      expect(b.collect(lower.policy, 30)).toEqual(a.collect(lower.policy, 30)); // the running episodes carry on alike
    } finally {
      lower.dispose();
    }
  });
});

async function annotate(db: Db, runId: number, n: number, seed: number): Promise<void> {
  const caller = callerFor(db, await addUser(db, 'annotator'));
  const teacher = makeTeacher({ beta: 1 });
  const rng = makeRng(seed);
  for (let done = 0; done < n; done++) {
    const { pair } = await caller.label.next({ runId });
    if (!pair) throw new Error(`the queue of run ${runId} ran empty after ${done} labels`);
    const answer = teacher.label(clipToSegment(pair.left), clipToSegment(pair.right), rng);
    const choice = answer.kind === 'skip' ? 'cant_tell' : answer.y === 1 ? 'left' : answer.y === 0 ? 'right' : 'equal';
    await caller.label.submit({ submissionId: randomUUID(), pairId: pair.id, choice, shownAt: 0, answeredAt: 1 });
  }
}

/** The cartpole run is created first, so it has run id 1 in every database (its seeds mix in the id). */
async function newCartpoleRun(db: Db): Promise<number> {
  return writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(runs).values({ name: 'cartpole', envId: 'cartpole', algorithm: 'sobirl', instructions: 'Keep the pole up.', labelBatchSize: BATCH, config: CARTPOLE })
      .returning({ id: runs.id }))).id,
  );
}

async function newGrid5Run(db: Db): Promise<number> {
  return writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(runs).values({
      name: 'grid5', envId: 'grid5', algorithm: 'sobirl', instructions: 'Reach the green corner.', labelBatchSize: BATCH,
      config: { seed: 3, horizon: 12, simulate: { teacher: { beta: 5 }, annotators: 2, labelsPerSecond: 0 } },
    }).returning({ id: runs.id }))).id,
  );
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const iterationOf = async (db: Db, runId: number) => (await firstRow(db.select({ k: runs.iteration }).from(runs).where(eq(runs.id, runId))))!.k;
const checkpointAt = async (db: Db, runId: number, iteration: number) =>
  await firstRow(db.select().from(checkpoints).where(and(eq(checkpoints.runId, runId), eq(checkpoints.iteration, iteration))));

/** Log lines with the time they were written. */
function timedLog(): { lines: Array<{ at: number; line: string }>; log: (line: string) => void; find: (re: RegExp) => { at: number; line: string } | undefined } {
  const lines: Array<{ at: number; line: string }> = [];
  return { lines, log: (line) => lines.push({ at: Date.now(), line }), find: (re) => lines.find((l) => re.test(l.line)) };
}

describe('runs tick independently in one service', () => {
  it('grid5 iterations commit and its simulated annotators answer WHILE a cartpole iteration computes; the cartpole checkpoint is the one computed alone without yielding', async () => {
    // Reference: the cartpole run alone, its iteration never yielding (sliceMs = Infinity).
    const ref = await freshDb('h16-reference');
    cleanups.push(ref.cleanup);
    const refRun = await newCartpoleRun(ref.db);
    const alone = new TrainerService({ db: ref.db, log: () => {}, simulate: false, sliceMs: Number.POSITIVE_INFINITY });
    expect((await alone.runOnce()).get(refRun)).toBe('bootstrapped');
    await annotate(ref.db, refRun, BATCH, 31);
    expect((await alone.runOnce()).get(refRun)).toBe('iterated');
    await alone.stop();

    // The same cartpole run beside a grid5 run answered by simulated annotators, in one service.
    const { db, cleanup } = await freshDb('h16-two-runs');
    cleanups.push(cleanup);
    const cartpole = await newCartpoleRun(db);
    const grid5 = await newGrid5Run(db);
    expect(cartpole).toBe(refRun);
    const { lines, log, find } = timedLog();
    const service = new TrainerService({ db, pollMs: 10, log, labelQueue: serverLabelQueue });
    try {
      const first = await service.runOnce();
      expect(first.get(cartpole)).toBe('bootstrapped');
      expect(first.get(grid5)).toBe('bootstrapped');
      await annotate(db, cartpole, BATCH, 31);
      service.start();
      await waitFor('cartpole iteration 1', async () => (await iterationOf(db, cartpole)) >= 1);
    } finally {
      await service.stop();
    }

    const started = find(new RegExp(`trainer run=${cartpole} k=1 computing`))!;
    const committed = find(new RegExp(`trainer run=${cartpole} k=1 loss=`))!;
    expect(started).toBeDefined();
    expect(committed).toBeDefined();
    const seconds = Number(/seconds=([\d.]+)/.exec(committed.line)![1]);
    expect(seconds).toBeGreaterThan(0.5); // long enough for the test to mean something
    // Grid5 commits strictly inside the cartpole iteration's span.
    const grid5Commits = lines.filter((l) => new RegExp(`trainer run=${grid5} k=\\d+ loss=`).test(l.line) && l.at > started.at && l.at < committed.at);
    expect(grid5Commits.length).toBeGreaterThanOrEqual(2);
    // ... on labels the simulated annotators gave during that span.
    const labelsDuring = (await firstRow(db.select({ n: sql<number>`count(*)` }).from(labels).innerJoin(pairs, eq(pairs.id, labels.pairId))
      .where(and(eq(pairs.runId, grid5), gt(labels.createdAt, started.at), lt(labels.createdAt, committed.at)))))!.n;
    expect(labelsDuring).toBeGreaterThanOrEqual(2 * BATCH);
    // The iteration yielded, in slices far shorter than the iteration.
    const longest = Number(/longest_slice_ms=(\d+)/.exec(committed.line)![1]);
    expect(Number(/yields=(\d+)/.exec(committed.line)![1])).toBeGreaterThan(5);
    expect(longest).toBeLessThan(seconds * 1000);

    // Deterministic given its inputs: same labels, same checkpoint bytes as the reference.
    const mine = (await checkpointAt(db, cartpole, 1))!, reference = (await checkpointAt(ref.db, refRun, 1))!;
    expect(mine.labelWatermark).toBeGreaterThan(0);
    expect(mine.rewardModel!.equals(reference.rewardModel!)).toBe(true);
    expect(mine.policy!.equals(reference.policy!)).toBe(true);
    expect(await iterationOf(db, grid5)).toBeGreaterThanOrEqual(grid5Commits.length);
  });

  it('stop() during a cartpole iteration in flight waits for its commit', async () => {
    const { db, cleanup } = await freshDb('h16-stop');
    cleanups.push(cleanup);
    const cartpole = await newCartpoleRun(db);
    const { log, find } = timedLog();
    const service = new TrainerService({ db, pollMs: 10, log, simulate: false });
    expect((await service.runOnce()).get(cartpole)).toBe('bootstrapped');
    await annotate(db, cartpole, BATCH, 32);
    service.start();
    await waitFor('the iteration to start', () => find(/k=1 computing/) !== undefined, 20_000);
    expect(service.isBusy(cartpole)).toBe(true);
    expect(await iterationOf(db, cartpole)).toBe(0);
    const stopCalled = Date.now();
    await service.stop();
    const committed = find(/k=1 loss=/);
    expect(committed).toBeDefined();
    expect(committed!.at).toBeGreaterThanOrEqual(stopCalled); // it was in flight when stop() was called
    expect(service.isBusy(cartpole)).toBe(false);
    expect(await iterationOf(db, cartpole)).toBe(1);
    expect((await checkpointAt(db, cartpole, 1))!.labelsUsed).toBe(BATCH);
  });

  it('runOnce reports a run whose tick is still in flight as busy and does not tick it twice', async () => {
    const { db, cleanup } = await freshDb('h16-busy');
    cleanups.push(cleanup);
    const cartpole = await newCartpoleRun(db);
    const { log, lines } = timedLog();
    const service = new TrainerService({ db, pollMs: 10, log, simulate: false });
    await service.runOnce();
    await annotate(db, cartpole, BATCH, 33);
    service.start();
    try {
      await waitFor('the iteration to start', () => service.isBusy(cartpole) && lines.some((l) => /k=1 computing/.test(l.line)), 20_000);
      expect((await service.runOnce()).get(cartpole)).toBe('busy');
    } finally {
      await service.stop();
    }
    expect(lines.filter((l) => /k=1 computing/.test(l.line)).length).toBe(1);
    expect(await iterationOf(db, cartpole)).toBe(1);
  });
});

describe('the queue while an iteration computes', () => {
  it("is kept filled with pairs of the checkpoint the iteration started from, so annotators labeling meanwhile never find it empty", async () => {
    const { db, cleanup } = await freshDb('queue-during-iteration');
    cleanups.push(cleanup);
    // More Q updates than CARTPOLE: the iteration must outlast the labeling below.
    const runId = await writeTx(db, async (tx) =>
      (await returnedRow(tx.insert(runs).values({
        name: 'cartpole', envId: 'cartpole', algorithm: 'sobirl', instructions: 'Keep the pole up.', labelBatchSize: BATCH,
        config: { ...CARTPOLE, neural: { ...CARTPOLE.neural, updatesPerIter: 3000 } },
      }).returning({ id: runs.id }))).id,
    );
    const { log, find } = timedLog();
    const service = new TrainerService({ db, pollMs: 10, log, simulate: false });
    expect((await service.runOnce()).get(runId)).toBe('bootstrapped');
    const firstCheckpoint = (await checkpointAt(db, runId, 0))!;
    const pendingAtStart = (await firstRow(db.select({ n: sql<number>`count(*)` }).from(pairs).where(and(eq(pairs.runId, runId), eq(pairs.status, 'pending')))))!.n;
    expect(pendingAtStart).toBe(2 * BATCH); // pendingFactor 2 x label_batch_size
    await annotate(db, runId, BATCH, 34);
    service.start();
    try {
      await waitFor('the iteration to start', () => find(/k=1 computing/) !== undefined, 20_000);
      // Label more than what was left in the queue (BATCH pairs) while the iteration computes.
      const caller = callerFor(db, await addUser(db, 'annotator'));
      const teacher = makeTeacher({ beta: 1 });
      const rng = makeRng(35);
      for (let done = 0; done < 2 * BATCH; ) {
        const { pair } = await caller.label.next({ runId });
        if (!pair) {
          expect(await iterationOf(db, runId), 'the queue ran empty and stayed empty until the commit').toBe(0);
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        const answer = teacher.label(clipToSegment(pair.left), clipToSegment(pair.right), rng);
        const choice = answer.kind === 'skip' ? 'cant_tell' : answer.y === 1 ? 'left' : answer.y === 0 ? 'right' : 'equal';
        await caller.label.submit({ submissionId: randomUUID(), pairId: pair.id, choice, shownAt: 0, answeredAt: 1 });
        done++;
      }
      expect(await iterationOf(db, runId)).toBe(0); // all of it happened during the iteration
      await waitFor('iteration 1', async () => (await iterationOf(db, runId)) >= 1, 60_000);
    } finally {
      await service.stop();
    }
    const committed = find(/k=1 loss=/)!;
    expect(Number(/topped_up_during=(\d+)/.exec(committed.line)![1])).toBeGreaterThanOrEqual(BATCH);
    // The pairs added meanwhile belong to the checkpoint the iteration started from.
    const addedDuring = (await firstRow(db.select({ n: sql<number>`count(*)` }).from(pairs)
      .where(and(eq(pairs.runId, runId), eq(pairs.checkpointId, firstCheckpoint.id), eq(pairs.iteration, 0), sql`${pairs.slot} >= ${2 * BATCH}`))))!.n;
    expect(addedDuring).toBeGreaterThanOrEqual(BATCH);
  });
});
