import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { metrics, runs } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { addUser, callerFor, freshDb, inOrder } from '@/tests/helpers/server/fixtures';
import { TrainerService } from './trainer-service';
import { firstRow, returnedRow } from '@/db/dialect';

/**
 * The batch trigger (store.ts batchReady): labels given on pairs of an OLDER checkpoint (leased
 * before the last commit, answered after it) do not start the next iteration by themselves; it
 * waits for label_batch_size labels on the newest checkpoint's own pairs, so SoBiRL's exploration
 * half always has on-policy pairs. The scenario is what 20 annotators at 1 label/s produce:
 * every annotator holds a leased pair while the trainer commits.
 */
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const BATCH = 4;

describe('the batch trigger', () => {
  it('waits for a batch of labels on the newest checkpoint\'s pairs; labels on older pairs are used but do not trigger', async () => {
    const { db, cleanup } = await freshDb('trigger');
    cleanups.push(cleanup);
    const runId = await writeTx(db, async (tx) =>
      (await returnedRow(tx.insert(runs).values({
        name: 'trigger', envId: 'grid5', algorithm: 'sobirl', instructions: 'Reach the green corner.', labelBatchSize: BATCH,
        config: { seed: 2, iterationTimeoutMs: 3_600_000, pendingFactor: 3 },
      }).returning({ id: runs.id }))).id,
    );
    const annotators = await inOrder(Array.from({ length: 2 * BATCH }), async (_, i) => callerFor(db, await addUser(db, 'annotator', `a${i}@example.com`)));
    const lease = async (caller: (typeof annotators)[number]) => {
      const { pair } = await caller.label.next({ runId });
      if (!pair) throw new Error('the queue is empty');
      return pair.id;
    };
    const submit = (caller: (typeof annotators)[number], pairId: number) =>
      caller.label.submit({ submissionId: randomUUID(), pairId, choice: 'left', shownAt: 0, answeredAt: 1 });
    const service = new TrainerService({ db, simulate: false, log: () => {} });
    const tick = async () => (await service.runOnce(1)).get(runId);
    const fresh = async (iteration: number) =>
      (await firstRow(db.select({ v: metrics.value }).from(metrics).where(and(eq(metrics.runId, runId), eq(metrics.name, 'labels/fresh'), eq(metrics.iteration, iteration)))))?.v;

    expect(await tick()).toBe('bootstrapped');
    // BATCH annotators label checkpoint 0's pairs; BATCH others lease one each and are still watching.
    const watching = await Promise.all(annotators.slice(BATCH).map(lease));
    for (const caller of annotators.slice(0, BATCH)) await submit(caller, await lease(caller));
    expect(await tick()).toBe('iterated');
    expect(await fresh(1)).toBe(BATCH);

    // They answer after the commit: BATCH new labels, all on checkpoint 0's (older) pairs.
    for (const [i, pairId] of watching.entries()) await submit(annotators[BATCH + i]!, pairId);
    expect(await tick()).not.toBe('iterated');

    // BATCH labels on checkpoint 1's pairs: now it iterates, on all 2 x BATCH new labels.
    for (const caller of annotators.slice(0, BATCH)) await submit(caller, await lease(caller));
    expect(await tick()).toBe('iterated');
    expect(await fresh(2)).toBe(BATCH);
    const used = (await firstRow(db.select({ v: metrics.value }).from(metrics).where(and(eq(metrics.runId, runId), eq(metrics.name, 'labels/used'), eq(metrics.iteration, 2)))))?.v;
    expect(used).toBe(3 * BATCH);
  });
});
