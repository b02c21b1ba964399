import { TRPCError } from '@trpc/server';
import { and, eq, isNotNull } from 'drizzle-orm';
import { pairs, type GoldChoice } from '@/db/schema';
import type { Db } from '@/db/client';
import { writeTx, type Tx } from '@/db/transactions';
import { refreshPairStatus } from './queue';
import { firstRow } from '@/db/dialect';

/**
 * Gold pairs: an admin gives a pair its correct answer; label.next mixes such pairs into every
 * annotator's queue at the run's `goldRate`, and quality.agreement scores annotators against them.
 */

/**
 * Marks (choice) or unmarks (null) a pair as gold and brings its status in step: a gold pair is
 * pending for everyone, an unmarked one is done again once its live labels reach labels_wanted.
 */
export async function setGold(db: Db, pairId: number, choice: GoldChoice | null): Promise<{ pairId: number; goldChoice: GoldChoice | null }> {
  return writeTx(db, async (tx: Tx) => {
    const pair = await firstRow(tx.select({ id: pairs.id }).from(pairs).where(eq(pairs.id, pairId)));
    if (!pair) throw new TRPCError({ code: 'NOT_FOUND', message: `pair ${pairId} does not exist` });
    await tx.update(pairs).set({ goldChoice: choice }).where(eq(pairs.id, pairId));
    await refreshPairStatus(tx, pairId);
    return { pairId, goldChoice: choice };
  });
}

export async function goldChoiceOf(db: Db, pairId: number): Promise<GoldChoice | null> {
  return (await firstRow(db.select({ goldChoice: pairs.goldChoice }).from(pairs).where(eq(pairs.id, pairId))))?.goldChoice ?? null;
}

/** pair id -> correct answer, for every gold pair of the run (runAgreement's `gold`). */
export async function goldMapOfRun(db: Db, runId: number): Promise<Map<number, GoldChoice>> {
  const rows = await db
    .select({ id: pairs.id, goldChoice: pairs.goldChoice })
    .from(pairs)
    .where(and(eq(pairs.runId, runId), isNotNull(pairs.goldChoice)));
  return new Map(rows.map((r) => [r.id, r.goldChoice!]));
}
