import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { checkpoints, runs } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { freshDb } from '@/tests/helpers/server/fixtures';
import { useTestBackend } from '../../tests/helpers/trainer/test-backend';
import { getEnv } from '../envs';
import { saveCheckpoint } from '../models/checkpoint';
import { makeRewardModelConfig, RewardModel } from '../models/reward-model';
import { makeSoftQConfig, SoftQLearner } from '../models/soft-q';
import { TrainerService } from './trainer-service';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
beforeAll(async () => {
  await useTestBackend();
});

/** Tiny settings: the first checkpoint in well under a second. */
const TINY = {
  seed: 3,
  horizon: 10,
  neural: { envStepsPerIter: 200, updatesPerIter: 20, minReplay: 100, evalEpisodes: 1, hiddenSizes: [16], ensembleSteps: 5 },
};

/** The two blobs a mountaincar run wrote before its local features: networks of the 2-value (position, velocity) observation. */
async function oldObservationBlobs(): Promise<{ rewardModel: Buffer; policy: Buffer }> {
  const reward = new RewardModel(makeRewardModelConfig({ obsSize: 2, numActions: 3, hiddenSizes: [16] }));
  const q = new SoftQLearner(makeSoftQConfig({ obsSize: 2, numActions: 3, hiddenSizes: [16] }));
  try {
    return { rewardModel: Buffer.from(await saveCheckpoint(reward)), policy: Buffer.from(await saveCheckpoint(q)) };
  } finally {
    reward.dispose();
    q.dispose();
  }
}

describe("a mountaincar run whose checkpoints predate the env's current observation", () => {
  it('is stopped once with the reason on the run, not retried and not restarted untrained', async () => {
    expect(getEnv('mountaincar').observationSize).not.toBe(2);
    const { db, cleanup } = freshDb('outdated-checkpoint');
    cleanups.push(cleanup);
    const runId = writeTx(db, (tx) =>
      tx.insert(runs).values({ name: 'old mountaincar', envId: 'mountaincar', algorithm: 'drlhf', instructions: 'Reach the flag.', labelBatchSize: 8, config: TINY })
        .returning({ id: runs.id }).get().id,
    );
    const lines: string[] = [];
    const first = new TrainerService({ db, log: (l) => lines.push(l), simulate: false });
    expect((await first.runOnce()).get(runId)).toBe('bootstrapped');
    // Every checkpoint of such a run has the old width: here its only one, rewritten as the old build wrote it.
    const old = await oldObservationBlobs();
    writeTx(db, (tx) => tx.update(checkpoints).set(old).where(eq(checkpoints.runId, runId)).run());

    // A restarted service (nothing in memory) meets the old checkpoint.
    const restarted = new TrainerService({ db, log: (l) => lines.push(l), simulate: false });
    expect((await restarted.runOnce()).get(runId)).toBe('stopped');
    const run = db.select().from(runs).where(eq(runs.id, runId)).get()!;
    expect(run.status).toBe('stopped');
    expect(run.lastError).toMatch(
      /^this run's checkpoint was written for mountaincar's old 2-value observation \(this build's mountaincar observes 66 values\); start a new run \(checkpoint \d+ \(iteration 0\) of run \d+\)$/,
    );
    expect(run.lastErrorAt).not.toBeNull();
    expect(lines.filter((l) => l.includes(`run=${runId} stopped: this run's checkpoint was written for mountaincar's old`))).toHaveLength(1);

    // Stopped is final: later passes leave the run alone (no tick, no new checkpoint, the message kept).
    expect((await restarted.runOnce()).has(runId)).toBe(false);
    expect(db.select({ n: sql<number>`count(*)` }).from(checkpoints).where(eq(checkpoints.runId, runId)).get()!.n).toBe(1);
    expect(db.select().from(runs).where(eq(runs.id, runId)).get()!.lastError).toBe(run.lastError);
  });
});
