import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { runs } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { addUser, callerFor, freshDb } from '@/tests/helpers/server/fixtures';
import { RUN_LIMITS } from '../contracts/run-budget';
import { LEASES_PER_ANNOTATOR, pendingTargetFor } from './queue-target';
import { activeAnnotatorIds, labelRate, openPairCount, pendingPairCount } from './store';
import { TrainerService } from './trainer-service';
import { returnedRow } from '@/db/dialect';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const base = { pendingFactor: 2, labelBatchSize: 16, labelsWanted: 1, labelRate: 0, cycleSeconds: 1, activeAnnotators: 0 };

describe('pendingTargetFor: pairs sized from the measured label rate, overlap and the annotators present', () => {
  it('with nobody labeling it is pendingFactor x label_batch_size, as before', () => {
    expect(pendingTargetFor(base)).toBe(32);
  });

  it('100 annotators at a 3 s pace: the labels of one cycle twice over, plus the pairs their pages hold', () => {
    const rate = 100 / 3, cycle = 1.5;
    const expected = Math.ceil(2 * rate * cycle + 100 * LEASES_PER_ANNOTATOR); // 100 + 200
    expect(pendingTargetFor({ ...base, labelRate: rate, cycleSeconds: cycle, activeAnnotators: 100 })).toBe(expected);
    expect(expected).toBe(300);
  });

  it('overlap divides by the labels a pair can take from the people present, never by more', () => {
    // Overlap 2, one annotator: a pair takes one of his labels, so he needs as many pairs as at overlap 1.
    const lone = pendingTargetFor({ ...base, labelsWanted: 2, activeAnnotators: 1 });
    expect(lone).toBe(pendingTargetFor({ ...base, labelsWanted: 1, activeAnnotators: 1 }));
    expect(lone).toBe(2 * 16 + LEASES_PER_ANNOTATOR);
    // Overlap 2, ten annotators: each pair takes two labels.
    expect(pendingTargetFor({ ...base, labelsWanted: 2, activeAnnotators: 10 })).toBe(Math.ceil((2 * 16 + 10 * LEASES_PER_ANNOTATOR) / 2));
  });

  it('is capped by the run-budget limit', () => {
    expect(pendingTargetFor({ ...base, labelRate: 10_000, cycleSeconds: 10, activeAnnotators: 500 })).toBe(RUN_LIMITS.pendingPairs);
  });
});

describe('the queue on an overlap-2 run with one annotator (issue 13, item 1)', () => {
  it('never runs dry: pairs he has labeled once do not count as supply, and the trigger does not wait for labels only others could give', async () => {
    const { db, cleanup } = await freshDb('lone-overlap');
    cleanups.push(cleanup);
    const BATCH = 4;
    const runId = await writeTx(db, async (tx) =>
      (await returnedRow(tx.insert(runs).values({
        name: 'overlap 2', envId: 'grid5', algorithm: 'sobirl', instructions: 'Reach the green corner.', labelBatchSize: BATCH, labelsWanted: 2,
        config: { seed: 4, iterationTimeoutMs: 3_600_000 },
      }).returning({ id: runs.id }))).id,
    );
    const user = await addUser(db, 'annotator');
    const annotator = callerFor(db, user);
    const service = new TrainerService({ db, simulate: false, log: () => {} });
    expect((await service.runOnce()).get(runId)).toBe('bootstrapped');
    let iterations = 0;
    for (let i = 0; i < 12 * BATCH; i++) {
      const { pair } = await annotator.label.next({ runId });
      expect(pair, `label.next found no pair at label ${i} (${await pendingPairCount(db, runId)} pairs pending)`).not.toBeNull();
      await annotator.label.submit({ submissionId: randomUUID(), pairId: pair!.id, choice: i % 3 === 0 ? 'right' : 'left', shownAt: 0, answeredAt: 1 });
      if ((await service.runOnce()).get(runId) === 'iterated') iterations++;
    }
    // The run trains on his labels alone (no iteration timeout involved), and the half-done
    // pairs are still there, waiting for a second annotator.
    expect(iterations).toBeGreaterThanOrEqual(8);
    expect(await pendingPairCount(db, runId)).toBeGreaterThan(await openPairCount(db, runId, [user.id]));
    expect(await activeAnnotatorIds(db, runId, Date.now())).toEqual([user.id]);
    expect(await labelRate(db, runId, Date.now())).toBeGreaterThan(0);
  });
});
