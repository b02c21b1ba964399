import { afterEach, describe, expect, it } from 'vitest';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, labels, pairs, runs } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { addUser, callerFor, freshDb } from '@/server/testing/fixtures';
import { makeRng, type Rng } from '../core/rng';
import { NEURAL_CHECKPOINT_FORMAT } from './neural-checkpoint';
import { annotate as annotateAs, duplicatePairCounts, exited, killServiceProcesses, spawnService, waitFor } from './testing';

/** fault.test.ts's SIGKILL test on a cartpole run: the neural driver, the service as its own process. */

const cleanups: Array<() => void> = [];
afterEach(() => {
  killServiceProcesses();
  while (cleanups.length) cleanups.pop()!();
});

/** This test process is the annotator: a beta-1 teacher through label.next / label.submit. */
const annotate = (_db: Db, caller: ReturnType<typeof callerFor>, runId: number, n: number, rng: Rng, submitted: number[]) =>
  annotateAs(caller, runId, n, rng, submitted, { beta: 1 });

const count = (db: Db, table: typeof labels | typeof pairs | typeof checkpoints) => db.select({ n: sql<number>`count(*)` }).from(table).get()!.n;
const iterationOf = (db: Db, runId: number) => db.select({ k: runs.iteration }).from(runs).where(eq(runs.id, runId)).get()!.k;

/** A cartpole run with tiny neural settings (an iteration well under a second). */
function newRun(db: Db): number {
  return writeTx(db, (tx) =>
    tx.insert(runs).values({
      name: 'cartpole fault run', envId: 'cartpole', algorithm: 'sobirl', instructions: 'Keep the pole up.', labelBatchSize: 8,
      config: {
        seed: 5, horizon: 10, iterationTimeoutMs: 300,
        neural: { envStepsPerIter: 200, updatesPerIter: 50, minReplay: 100, evalEpisodes: 2, hiddenSizes: [16], ensembleSteps: 5 },
        algorithm: { upperSteps: 3, rolloutSteps: 5 },
      },
    }).returning({ id: runs.id }).get().id,
  );
}

describe('crash safety of a neural (cartpole) run', () => {
  it('SIGKILL mid-iteration, restart: the run resumes from its checkpoint, every label is kept and consumed once, no pair is duplicated', async () => {
    const { db, file, cleanup } = freshDb('h14-neural-fault');
    cleanups.push(cleanup);
    const runId = newRun(db);
    const caller = callerFor(db, addUser(db, 'annotator'));
    const rng = makeRng(13);
    const submitted: number[] = [];

    // 1. The first service computes iteration 1 and is killed before its commit.
    const first = spawnService(file, 3_000);
    await waitFor('the first checkpoint', () => count(db, checkpoints) === 1, 60_000);
    await annotate(db, caller, runId, 8, rng, submitted);
    await waitFor('iteration 1 computed', () => first.lines.some((l) => /k=1 computed/.test(l)), 60_000);
    first.child.kill('SIGKILL');
    expect((await exited(first.child)).signal).toBe('SIGKILL');
    expect(iterationOf(db, runId)).toBe(0); // nothing of the killed iteration was committed
    expect(count(db, checkpoints)).toBe(1);

    // 2. A restarted service resumes from checkpoint 0 (replay refilled) and redoes it; killed again later.
    const second = spawnService(file, 200);
    await annotate(db, caller, runId, 8, rng, submitted);
    await waitFor('iteration 1 committed after the restart', () => iterationOf(db, runId) >= 1, 60_000);
    expect(second.lines.some((l) => /resumed from checkpoint \d+ \(iteration 0\)/.test(l))).toBe(true);
    await annotate(db, caller, runId, 8, rng, submitted);
    second.child.kill('SIGKILL');
    await exited(second.child);

    // 3. A third one finishes the work and stops cleanly on SIGTERM.
    const third = spawnService(file, 0);
    await annotate(db, caller, runId, 5, rng, submitted);
    const lastLabel = Math.max(...submitted);
    await waitFor('every label consumed', () => {
      const newest = db.select().from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(sql`${checkpoints.iteration} desc`).get();
      return (newest?.labelWatermark ?? 0) >= lastLabel;
    }, 60_000);
    third.child.kill('SIGTERM');
    expect((await exited(third.child)).code).toBe(0);
    expect(third.lines.some((l) => l.includes('trainer: stopped'))).toBe(true);

    // Every label is still there, once; the newest checkpoint used all of them; no half-written checkpoint.
    expect(count(db, labels)).toBe(submitted.length);
    const live = db.select({ n: sql<number>`count(*)` }).from(labels).where(and(isNotNull(labels.y), sql`${labels.undoneAt} is null`)).get()!.n;
    const cps = db.select().from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(checkpoints.iteration).all();
    expect(cps.map((c) => c.iteration)).toEqual(cps.map((_, i) => i)); // 0..k, no gap, no repeat
    expect(cps.every((c) => c.formatVersion === NEURAL_CHECKPOINT_FORMAT && c.rewardModel && c.policy)).toBe(true);
    expect(cps.at(-1)!.labelsUsed).toBe(live);
    expect(iterationOf(db, runId)).toBe(cps.at(-1)!.iteration);
    expect(iterationOf(db, runId)).toBeGreaterThanOrEqual(2);
    const run = db.select().from(runs).where(eq(runs.id, runId)).get()!;
    expect(run.lastError).toBeNull();
    expect(duplicatePairCounts(db, runId)).toEqual({ slots: 0, clips: 0 });
  });
});
