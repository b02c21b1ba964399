import { TRPCError } from '@trpc/server';
import { and, eq, isNotNull } from 'drizzle-orm';
import { pairs, type GoldChoice } from '@/db/schema';
import type { Db } from '@/db/client';
import { writeTx, type Tx } from '@/db/transactions';
import { refreshPairStatus } from './queue';

/**
 * Gold pairs: an admin gives a pair its correct answer; label.next mixes such pairs into every
 * annotator's queue at the run's `goldRate`, and quality.agreement scores annotators against them.
 */

/**
 * Marks (choice) or unmarks (null) a pair as gold and brings its status in step: a gold pair is
 * pending for everyone, an unmarked one is done again once its live labels reach labels_wanted.
 */
export function setGold(db: Db, pairId: number, choice: GoldChoice | null): { pairId: number; goldChoice: GoldChoice | null } {
  return writeTx(db, (tx: Tx) => {
    const pair = tx.select({ id: pairs.id }).from(pairs).where(eq(pairs.id, pairId)).get();
    if (!pair) throw new TRPCError({ code: 'NOT_FOUND', message: `pair ${pairId} does not exist` });
    tx.update(pairs).set({ goldChoice: choice }).where(eq(pairs.id, pairId)).run();
    refreshPairStatus(tx, pairId);
    return { pairId, goldChoice: choice };
  });
}

export function goldChoiceOf(db: Db, pairId: number): GoldChoice | null {
  return db.select({ goldChoice: pairs.goldChoice }).from(pairs).where(eq(pairs.id, pairId)).get()?.goldChoice ?? null;
}

/** pair id -> correct answer, for every gold pair of the run (runAgreement's `gold`). */
export function goldMapOfRun(db: Db, runId: number): Map<number, GoldChoice> {
  const rows = db
    .select({ id: pairs.id, goldChoice: pairs.goldChoice })
    .from(pairs)
    .where(and(eq(pairs.runId, runId), isNotNull(pairs.goldChoice)))
    .all();
  return new Map(rows.map((r) => [r.id, r.goldChoice!]));
}
