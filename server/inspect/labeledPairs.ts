import { and, desc, eq, isNotNull, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '@/db/client';
import { clips, labels, pairs } from '@/db/schema';

/** A usable label (live, with a preference) of a run, with both clips' steps. */
export interface LabeledPairRow {
  labelId: number;
  /** P(first preferred): 1, 0 or 0.5. */
  y: number;
  a: { id: number; states: unknown[]; actions: number[] };
  b: { id: number; states: unknown[]; actions: number[] };
}

/** The run's usable labels, newest first; `limit` keeps the newest ones only. */
export async function labeledPairRows(db: Db, runId: number, limit?: number): Promise<LabeledPairRow[]> {
  const clipA = alias(clips, 'clip_a');
  const clipB = alias(clips, 'clip_b');
  const query = db
    .select({
      labelId: labels.id, y: labels.y,
      aId: clipA.id, aStates: clipA.states, aActions: clipA.actions,
      bId: clipB.id, bStates: clipB.states, bActions: clipB.actions,
    })
    .from(labels)
    .innerJoin(pairs, eq(pairs.id, labels.pairId))
    .innerJoin(clipA, eq(clipA.id, pairs.clipAId))
    .innerJoin(clipB, eq(clipB.id, pairs.clipBId))
    .where(and(eq(pairs.runId, runId), isNotNull(labels.y), isNull(labels.undoneAt)))
    .orderBy(desc(labels.id));
  const rows = limit === undefined ? (await query) : (await query.limit(limit));
  return rows.map((r) => ({
    labelId: r.labelId,
    y: r.y!,
    a: { id: r.aId, states: r.aStates, actions: r.aActions },
    b: { id: r.bId, states: r.bStates, actions: r.bActions },
  }));
}
