import { randomUUID } from 'node:crypto';
import { discreteActions } from '@/trainer/contracts/clip-actions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, clips, runs } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { addUser, callerFor, freshDb } from '@/tests/helpers/server/fixtures';
import { makeRng } from '@/trainer/core/rng';
import { getEnv } from '@/trainer/envs';
import { loadRewardModel } from '@/trainer/models/checkpoint';
import { useTestBackend } from '@/tests/helpers/trainer/test-backend';
import { makeTeacher } from '@/trainer/teachers';
import { clipToSegment } from '@/trainer/service/simulated-annotators';
import { TrainerService } from '@/trainer/service/trainer-service';
import { firstRow, returnedRow } from '@/db/dialect';

/**
 * The two sides agree on real data: a cartpole run trained by the trainer service (neural engine,
 * tiny settings) on labels submitted through label.submit; the web side's tfjs-free reader then
 * scores its checkpoints. Per-step learned rewards must match tfjs' own RewardModel on the same
 * blob, and the replayed true reward the return the service stored with the clip.
 */
const TINY = {
  seed: 4, horizon: 10, iterationTimeoutMs: 600_000,
  neural: { envStepsPerIter: 200, updatesPerIter: 50, minReplay: 100, evalEpisodes: 2, hiddenSizes: [16], ensembleSteps: 5 },
  algorithm: { upperSteps: 3, rolloutSteps: 5, exploreWarmup: 0 },
};
const BATCH = 8;
let env: Awaited<ReturnType<typeof freshDb>>;
let runId: number;

async function annotate(db: Db, n: number, seed: number): Promise<void> {
  const caller = callerFor(db, await addUser(db, 'annotator'));
  const teacher = makeTeacher({ beta: 1 });
  const rng = makeRng(seed);
  for (let i = 0; i < n; i++) {
    const { pair } = await caller.label.next({ runId });
    if (!pair) throw new Error(`the queue of run ${runId} ran empty after ${i} labels`);
    const answer = teacher.label(clipToSegment(pair.left), clipToSegment(pair.right), rng);
    const choice = answer.kind === 'skip' ? 'cant_tell' : answer.y === 1 ? 'left' : answer.y === 0 ? 'right' : 'equal';
    const now = Date.now();
    await caller.label.submit({ submissionId: randomUUID(), pairId: pair.id, choice, shownAt: now, answeredAt: now });
  }
}

beforeAll(async () => {
  await useTestBackend();
  env = (await freshDb('inspect-neural-service'));
  const db = env.db;
  runId = (await writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(runs).values({ name: 'cartpole', envId: 'cartpole', algorithm: 'sobirl', instructions: 'Keep the pole up.', labelBatchSize: BATCH, config: TINY })
      .returning({ id: runs.id }))).id,
  ));
  const service = new TrainerService({ db, log: () => {}, simulate: false });
  expect((await service.runOnce()).get(runId)).toBe('bootstrapped');
  for (let round = 0; round < 2; round++) {
    await annotate(db, BATCH, 10 + round);
    expect((await service.runOnce()).get(runId)).toBe('iterated');
  }
});
afterAll(() => env.cleanup());

describe("the trainer service's neural checkpoints, read on the web side", () => {
  it('clip inspector: learned reward per step as tfjs computes it from the same blob; true reward as stored', async () => {
    const researcher = callerFor(env.db, await addUser(env.db, 'researcher'));
    const recent = await researcher.inspect.pairs({ runId, limit: 1 });
    const detail = await researcher.inspect.pair({ pairId: recent[0]!.pairId });
    expect(detail.notes).toEqual([]);
    expect(detail.scoredBy?.iteration).toBe(2);
    const blob = (await firstRow(env.db.select({ b: checkpoints.rewardModel }).from(checkpoints).where(eq(checkpoints.id, detail.scoredBy!.id))))!.b!;
    const model = await loadRewardModel(new Uint8Array(blob));
    const cartpole = getEnv('cartpole');
    for (const inspected of [detail.clipA, detail.clipB]) {
      const clip = (await firstRow(env.db.select().from(clips).where(eq(clips.id, inspected.id))))!;
      const obs = Float32Array.from(clip.actions.flatMap((_, h) => cartpole.observe(clip.states[h])));
      const tfjs = model.predictRewards(obs, Int32Array.from(discreteActions(clip.actions, 'this test')));
      expect(inspected.learnedReward).toHaveLength(clip.actions.length);
      inspected.learnedReward!.forEach((v, h) => expect(Math.abs(v - tfjs[h]!)).toBeLessThan(1e-5));
      expect(inspected.trueReward!.reduce((s, v) => s + v, 0)).toBeCloseTo(clip.trueReturn!, 9);
    }
    model.dispose();
  });

  it("run page: held-out accuracy and correlation per checkpoint, return/learned from the trainer's evaluation", async () => {
    const researcher = callerFor(env.db, await addUser(env.db, 'researcher'));
    const [series] = await researcher.inspect.metrics({ runIds: [runId], names: ['accuracy/heldout', 'correlation/segment_return', 'return/learned'] });
    // Checkpoints 0 and 1 have labels they did not train on; checkpoint 2 has none yet.
    expect(series!.series['accuracy/heldout']!.map((p) => p.iteration)).toEqual([0, 1]);
    for (const p of series!.series['accuracy/heldout']!) {
      expect(p.value).toBeGreaterThanOrEqual(0);
      expect(p.value).toBeLessThanOrEqual(1);
    }
    const correlation = series!.series['correlation/segment_return']!;
    expect(correlation.length).toBeGreaterThan(0);
    for (const p of correlation) expect(Math.abs(p.value)).toBeLessThanOrEqual(1);
    // One learned return per checkpoint, from the same evaluation episodes as return/true.
    const learned = series!.series['return/learned']!;
    expect(learned.map((p) => p.iteration)).toEqual([0, 1, 2]);
    for (const p of learned) expect(Number.isFinite(p.value)).toBe(true);
    expect(series!.notes).toEqual([]);
  });
});
