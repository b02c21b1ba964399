import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { checkpoints, clips, pairs } from '../../db/schema';
import { addRun, freshDb } from '@/tests/helpers/server/fixtures';
import { commitIteration, pendingPairCount } from './store';
import { firstRow, returnedRow } from '../../db/dialect';

let env: Awaited<ReturnType<typeof freshDb>>;
beforeAll(async () => (env = (await freshDb('gold-retirement'))));
afterAll(() => env.cleanup());

describe('stale-pair retirement and gold pairs', () => {
  it('retires unlabeled pairs of an older checkpoint but never a gold one, and does not count gold as pending', async () => {
    const { db } = env;
    const run = await addRun(db, { count: 3 });
    const [gold, stale, other] = run.pairIds as [number, number, number];
    // All three were drawn by the run's first checkpoint; one of them an admin made gold.
    const old = await returnedRow(db.insert(checkpoints).values({ runId: run.runId, iteration: 0, formatVersion: 1 }).returning());
    await db.update(pairs).set({ checkpointId: old.id }).where(inArray(pairs.id, run.pairIds));
    await db.update(pairs).set({ goldChoice: 'right' }).where(eq(pairs.id, gold));
    expect(await pendingPairCount(db, run.runId)).toBe(2);

    const result = await commitIteration(db, {
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
    const left = await db.select({ id: pairs.id }).from(pairs).where(inArray(pairs.id, [gold, stale, other]));
    expect(left.map((p) => p.id)).toEqual([gold]);
    // The gold pair keeps its clips; the retired pairs' clips are gone.
    const goldPair = (await firstRow(db.select().from(pairs).where(eq(pairs.id, gold))))!;
    expect((await db.select({ id: clips.id }).from(clips).where(inArray(clips.id, [goldPair.clipAId, goldPair.clipBId])))).toHaveLength(2);
    expect((await db.select({ id: clips.id }).from(clips).where(eq(clips.runId, run.runId)))).toHaveLength(2);
  });
});
