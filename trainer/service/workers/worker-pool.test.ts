import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, runs } from '@/db/schema';
import { firstRow, returnedRow } from '@/db/dialect';
import { writeTx } from '@/db/transactions';
import { addUser, callerFor, freshDb } from '@/tests/helpers/server/fixtures';
import { makeRng } from '../../core/rng';
import { annotate as annotateAs } from '@/tests/helpers/trainer/service';
import { TrainerService } from '../trainer-service';
import type { Run } from '@/db/schema';
import type { TickReport } from './run-executor';
import { WorkerPool, restartDelayMs } from './worker-pool';

/**
 * Issue 15: runs on worker threads. Two neural runs iterate at the same time on two workers
 * (their iteration spans overlap although neither yields, which one thread cannot do); what a
 * worker computes is what the service's own thread computes; a worker killed between an
 * iteration's computation and its commit is logged, its run moves to a fresh worker and resumes
 * from its newest checkpoint with byte-identical results; stop() ends every worker.
 */
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const BATCH = 8;
/** An iteration of ~1 s of soft Q updates on the kernel (as concurrency.test.ts's). */
const CARTPOLE = {
  seed: 4, horizon: 10, iterationTimeoutMs: 600_000,
  neural: { envStepsPerIter: 200, updatesPerIter: 8000, minReplay: 100, evalEpisodes: 2, hiddenSizes: [16], ensembleSteps: 5 },
  algorithm: { upperSteps: 3, rolloutSteps: 5, exploreWarmup: 0 },
};
const GRID5 = { seed: 9, gamma: 0.9, tau: 0.1, horizon: 12, iterationTimeoutMs: 3_600_000 };

async function newRun(db: Db, envId: string, config: Record<string, unknown>): Promise<number> {
  return (await writeTx(db, (tx) => returnedRow(
    tx.insert(runs).values({ name: envId, envId, algorithm: 'sobirl', instructions: 'Do well.', labelBatchSize: BATCH, config })
      .returning({ id: runs.id }),
  ))).id;
}

/**
 * A batch of a seeded teacher's labels. They are dated an hour back: the label rate over the last
 * 30 s (store.ts labelRate, read at the real time) is then 0 and the pending target does not
 * depend on how long each step of the test took, so two loops queue the same pairs.
 */
async function annotate(db: Db, runId: number, seed: number): Promise<void> {
  const caller = callerFor(db, await addUser(db, 'annotator', `a${runId}-${seed}@example.com`), () => Date.now() - 3_600_000);
  await annotateAs(caller, runId, BATCH, makeRng(seed), [], { beta: 5 });
}

const checkpointsOf = (db: Db, runId: number) =>
  db.select({ rewardModel: checkpoints.rewardModel, policy: checkpoints.policy, optimizerState: checkpoints.optimizerState })
    .from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(asc(checkpoints.iteration));
const checkpointAt = async (db: Db, runId: number, iteration: number) =>
  (await firstRow(db.select().from(checkpoints).where(and(eq(checkpoints.runId, runId), eq(checkpoints.iteration, iteration)))))!;
const iterationOf = async (db: Db, runId: number) => (await firstRow(db.select({ k: runs.iteration }).from(runs).where(eq(runs.id, runId))))!.k;

async function waitFor(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Two cartpole runs (ids 1 and 2 in every database) with their first checkpoints and a batch of labels each. */
async function twoLabeledCartpoleRuns(label: string, service: (db: Db) => TrainerService) {
  const { db, cleanup } = await freshDb(label);
  cleanups.push(cleanup);
  const a = await newRun(db, 'cartpole', CARTPOLE), b = await newRun(db, 'cartpole', { ...CARTPOLE, seed: 5 });
  const trainer = service(db);
  const first = await trainer.runOnce();
  expect([first.get(a), first.get(b)]).toEqual(['bootstrapped', 'bootstrapped']);
  await annotate(db, a, 31);
  await annotate(db, b, 32);
  return { db, a, b, trainer };
}

describe('runs on worker threads', () => {
  it('two neural runs iterate at the same time on two workers, and compute what the service thread computes; stop() ends the workers', async () => {
    // Neither iteration yields (sliceMs = Infinity): on one thread their spans could not overlap.
    const reports = new Map<number, TickReport[]>();
    const onTick = (runId: number, report: TickReport) => reports.set(runId, [...(reports.get(runId) ?? []), report]);
    const { db, a, b, trainer } = await twoLabeledCartpoleRuns('workers-two', (db) =>
      new TrainerService({ db, simulate: false, log: () => {}, sliceMs: Number.POSITIVE_INFINITY, workers: 2, onTick }));
    const pool = trainer.pool!;
    try {
      expect(pool.liveWorkers()).toBe(2);
      expect(pool.threadOf(a)).not.toBe(pool.threadOf(b));
      const second = await trainer.runOnce();
      expect([second.get(a), second.get(b)]).toEqual(['iterated', 'iterated']);
    } finally {
      await trainer.stop();
    }
    expect(pool.liveWorkers()).toBe(0);
    const spanA = reports.get(a)!.at(-1)!, spanB = reports.get(b)!.at(-1)!;
    expect(spanA.outcome).toBe('iterated');
    expect(spanA.threadId).not.toBe(0); // not the test's (main) thread
    expect(spanB.threadId).not.toBe(spanA.threadId);
    expect(spanA.endedAt - spanA.startedAt).toBeGreaterThan(0);
    expect(spanA.startedAt < spanB.endedAt && spanB.startedAt < spanA.endedAt, `spans ${JSON.stringify([spanA, spanB])}`).toBe(true);

    // The same two runs, labels and seeds on the service's own thread: the same checkpoint bytes.
    const ref = await twoLabeledCartpoleRuns('workers-two-reference', (db) =>
      new TrainerService({ db, simulate: false, log: () => {}, sliceMs: Number.POSITIVE_INFINITY }));
    try {
      const second = await ref.trainer.runOnce();
      expect([second.get(ref.a), second.get(ref.b)]).toEqual(['iterated', 'iterated']);
    } finally {
      await ref.trainer.stop();
    }
    for (const run of [a, b]) {
      const mine = await checkpointAt(db, run, 1), theirs = await checkpointAt(ref.db, run, 1);
      expect(mine.labelWatermark).toBeGreaterThan(0);
      expect(mine.rewardModel!.equals(theirs.rewardModel!), `reward model of run ${run}`).toBe(true);
      expect(mine.policy!.equals(theirs.policy!), `policy of run ${run}`).toBe(true);
    }
  });

  it('a worker killed between an iteration and its commit is logged; its run resumes on a fresh worker with the checkpoints of a trainer that never failed', async () => {
    const ITERATIONS = 3, KILLED_AT = 2;
    async function loop(kill: boolean) {
      const { db, cleanup } = await freshDb(`workers-kill-${kill}`);
      cleanups.push(cleanup);
      const runId = await newRun(db, 'grid5', GRID5);
      const lines: string[] = [];
      const service = new TrainerService({ db, simulate: false, log: (l) => lines.push(l), workers: 2, holdBeforeCommitMs: kill ? 300 : undefined });
      const pool = service.pool!;
      const threads: number[] = [];
      try {
        expect((await service.runOnce(0)).get(runId)).toBe('bootstrapped');
        for (let k = 1; k <= ITERATIONS; k++) {
          await annotate(db, runId, 100 + k);
          threads.push(pool.threadOf(runId)!);
          if (kill && k === KILLED_AT) {
            const pass = service.runOnce(1);
            await waitFor('the iteration to be computed', () => lines.some((l) => /k=2 computed; committing/.test(l)));
            await pool.terminateWorkerOf(runId);
            expect((await pass).get(runId)).toBe('error');
            expect(await iterationOf(db, runId)).toBe(KILLED_AT - 1); // nothing of the killed iteration was committed
            expect(lines.some((l) => /trainer worker=0 thread=\d+ ended unexpectedly \(exit code 1\); runs 1 resume/.test(l)), lines.join('\n')).toBe(true);
            expect(pool.threadOf(runId)).toBeUndefined(); // unassigned until its next tick
          }
          expect((await service.runOnce(1)).get(runId)).toBe('iterated');
          threads.push(pool.threadOf(runId)!);
        }
      } finally {
        await service.stop();
      }
      expect(pool.liveWorkers()).toBe(0);
      return { checkpoints: await checkpointsOf(db, runId), threads };
    }
    const steady = await loop(false);
    const killed = await loop(true);
    expect(new Set(steady.threads).size).toBe(1); // one worker throughout
    expect(new Set(killed.threads).size).toBe(2); // the iteration after the kill ran on a fresh worker
    expect(killed.checkpoints).toHaveLength(ITERATIONS + 1);
    killed.checkpoints.forEach((c, i) => {
      const s = steady.checkpoints[i]!;
      expect(c.rewardModel!.equals(s.rewardModel!), `reward model at iteration ${i}`).toBe(true);
      expect(c.policy!.equals(s.policy!), `policy at iteration ${i}`).toBe(true);
      expect(c.optimizerState!.equals(s.optimizerState!), `optimiser state at iteration ${i}`).toBe(true);
    });
  });

  it('a worker that cannot start is not restarted at every pass: its restarts back off (at once, then 0.5 s doubling to 30 s)', async () => {
    expect([1, 2, 3, 4, 10, 50].map(restartDelayMs)).toEqual([0, 500, 1000, 2000, 30_000, 30_000]);
    const lines: string[] = [];
    // A database path under a regular file: the worker's openDb fails as it starts.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-crash-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'plain'), 'not a folder');
    const pool = new WorkerPool({ database: { dialect: 'sqlite', path: path.join(dir, 'plain', 'no.sqlite') }, size: 1, log: (l) => lines.push(l) });
    const run = { id: 7, envId: 'grid5' } as Run;
    try {
      await expect(pool.tick(run, 0)).rejects.toThrow(/trainer worker 0 \(thread \d+\) ended during the tick \(exit code 1: Error: (EEXIST|ENOTDIR)\b.*plain/);
      await expect(pool.tick(run, 0)).rejects.toThrow(/ended during the tick/); // the first restart is immediate
      await expect(pool.tick(run, 0)).rejects.toThrow(/trainer worker 0 crashed 2 times in a row; it starts again at /);
      expect(lines.filter((l) => /ended unexpectedly/.test(l))).toHaveLength(2); // the third tick started no worker
      expect(pool.liveWorkers()).toBe(0);
      expect(pool.heldRuns()).toEqual([]);
    } finally {
      await pool.close();
    }
  });
});
