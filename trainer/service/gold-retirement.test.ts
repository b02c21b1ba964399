import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { checkpoints, clips, pairs } from '../../db/schema';
import { addRun, freshDb } from '@/tests/helpers/server/fixtures';
import { commitIteration, pendingPairCount } from './store';

let env: ReturnType<typeof freshDb>;
beforeAll(() => (env = freshDb('gold-retirement')));
afterAll(() => env.cleanup());

describe('stale-pair retirement and gold pairs', () => {
  it('retires unlabeled pairs of an older checkpoint but never a gold one, and does not count gold as pending', () => {
    const { db } = env;
    const run = addRun(db, { count: 3 });
    const [gold, stale, other] = run.pairIds as [number, number, number];
    // All three were drawn by the run's first checkpoint; one of them an admin made gold.
    const old = db.insert(checkpoints).values({ runId: run.runId, iteration: 0, formatVersion: 1 }).returning().get();
    db.update(pairs).set({ checkpointId: old.id }).where(inArray(pairs.id, run.pairIds)).run();
    db.update(pairs).set({ goldChoice: 'right' }).where(eq(pairs.id, gold)).run();
    expect(pendingPairCount(db, run.runId)).toBe(2);

    const result = commitIteration(db, {
      runId: run.runId,
      envId: 'grid5',
      expectedIteration: 0,
      advance: true,
      checkpoint: { formatVersion: 1, rewardModel: Buffer.from([1]), policy: Buffer.from([2]), labelWatermark: 0, labelsUsed: 0 },
      metrics: {},
      pairs: [],
      pendingTarget: 0,
      labelsWanted: 1,
      retireStalePairs: true,
      now: 1_700_000_000_000,
    });
    expect(result?.pairsRetired).toBe(2);
    expect(result?.pending).toBe(0);
    const left = db.select({ id: pairs.id }).from(pairs).where(inArray(pairs.id, [gold, stale, other])).all();
    expect(left.map((p) => p.id)).toEqual([gold]);
    // The gold pair keeps its clips; the retired pairs' clips are gone.
    const goldPair = db.select().from(pairs).where(eq(pairs.id, gold)).get()!;
    expect(db.select({ id: clips.id }).from(clips).where(inArray(clips.id, [goldPair.clipAId, goldPair.clipBId])).all()).toHaveLength(2);
    expect(db.select({ id: clips.id }).from(clips).where(eq(clips.runId, run.runId)).all()).toHaveLength(2);
  });
});
