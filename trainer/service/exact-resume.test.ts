import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, runs } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { addUser, callerFor, freshDb } from '@/tests/helpers/server/fixtures';
import { makeRng } from '../core/rng';
import { makeTeacher } from '../teachers';
import { clipToSegment } from './simulated-annotators';
import { TrainerService } from './trainer-service';
import { execute, firstRow, returnedRow } from '@/db/dialect';

/**
 * Restart exactness of the closed loop: a run whose trainer process is replaced before every
 * iteration (each new service rebuilds the learner from the newest checkpoint: x, Q and the
 * optimiser state) must write byte-identical checkpoints to a run whose trainer stays up.
 * Labels come from a seeded scripted teacher through label.next / label.submit, and the service
 * is driven pass by pass (runOnce), so both databases see the same pairs and labels.
 */
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const ITERATIONS = 4, BATCH = 8;

async function annotate(db: Db, caller: ReturnType<typeof callerFor>, runId: number, seed: number): Promise<void> {
  const teacher = makeTeacher({ beta: 5 });
  const rng = makeRng(seed);
  for (let i = 0; i < BATCH; i++) {
    const { pair } = await caller.label.next({ runId });
    if (!pair) throw new Error('the queue ran dry');
    const answer = teacher.label(clipToSegment(pair.left), clipToSegment(pair.right), rng);
    const choice = answer.kind === 'skip' ? 'cant_tell' : answer.y === 1 ? 'left' : answer.y === 0 ? 'right' : 'equal';
    await caller.label.submit({ submissionId: randomUUID(), pairId: pair.id, choice, shownAt: 0, answeredAt: 1 });
  }
}

/** Runs the loop for ITERATIONS outer iterations; returns each checkpoint's blobs, oldest first. */
async function runLoop(algorithm: string, restartEveryIteration: boolean, dropOptimizerState = false) {
  const { db, cleanup } = await freshDb(`exact-resume-${algorithm}`);
  cleanups.push(cleanup);
  const runId = await writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(runs).values({
      name: 'resume', envId: 'grid5', algorithm, instructions: 'Reach the green corner.', labelBatchSize: BATCH,
      // No simulated annotators and no timeout: only this test's labels trigger iterations.
      config: { seed: 9, gamma: 0.9, tau: 0.1, horizon: 12, iterationTimeoutMs: 3_600_000 },
    }).returning({ id: runs.id }))).id,
  );
  // Labels dated an hour back: the label rate over the last 30 s (store.ts labelRate, read at the
  // real time) is then 0, so the pending target, hence the pairs queued, does not depend on how
  // long each step took (on a loaded machine the two loops queued different pairs).
  const caller = callerFor(db, await addUser(db, 'annotator', 'resume@example.com'), () => Date.now() - 3_600_000);
  const newService = () => new TrainerService({ db, simulate: false, log: () => {} });
  let service = newService();
  await service.runOnce(0); // the first checkpoint and its pairs
  for (let k = 1; k <= ITERATIONS; k++) {
    await annotate(db, caller, runId, 100 + k);
    if (restartEveryIteration) {
      if (dropOptimizerState) await execute(db, sql`update checkpoints set optimizer_state = null`);
      service = newService();
    }
    const outcome = await service.runOnce(1);
    expect(outcome.get(runId)).toBe('iterated');
  }
  expect((await firstRow(db.select({ k: runs.iteration }).from(runs).where(eq(runs.id, runId))))!.k).toBe(ITERATIONS);
  return await db
    .select({ rewardModel: checkpoints.rewardModel, policy: checkpoints.policy, optimizerState: checkpoints.optimizerState })
    .from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(asc(checkpoints.iteration));
}

describe.each(['sobirl', 'stoc-sobirl', 'm-sobirl'])('%s: a trainer restarted before every iteration', (algorithm) => {
  it('writes byte-identical checkpoints to one that never restarts', async () => {
    const steady = await runLoop(algorithm, false);
    const restarted = await runLoop(algorithm, true);
    expect(steady).toHaveLength(ITERATIONS + 1);
    expect(steady.every((c) => c.optimizerState !== null)).toBe(true);
    restarted.forEach((c, i) => {
      expect(c.rewardModel!.equals(steady[i]!.rewardModel!), `reward model at iteration ${i}`).toBe(true);
      expect(c.policy!.equals(steady[i]!.policy!), `policy at iteration ${i}`).toBe(true);
      expect(c.optimizerState!.equals(steady[i]!.optimizerState!), `optimiser state at iteration ${i}`).toBe(true);
    });
  });
});

describe('checkpoints without optimiser state (written before it was saved)', () => {
  it('still resume (weights warm, optimiser cold) and the run goes on', async () => {
    const steady = await runLoop('sobirl', false);
    const cold = await runLoop('sobirl', true, true);
    expect(cold).toHaveLength(ITERATIONS + 1);
    // The cold restarts are what the optimiser state fixes: the reward models drift apart.
    expect(cold.at(-1)!.rewardModel!.equals(steady.at(-1)!.rewardModel!)).toBe(false);
  });
});
