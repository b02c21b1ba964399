import { and, desc, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { clipOf, clipStepsById } from '@/db/clips';
import { labels, pairs } from '@/db/schema';
import { discreteActions } from '@/trainer/contracts/clip-actions';

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
  const query = db
    .select({ labelId: labels.id, y: labels.y, aId: pairs.clipAId, bId: pairs.clipBId })
    .from(labels)
    .innerJoin(pairs, eq(pairs.id, labels.pairId))
    .where(and(eq(pairs.runId, runId), isNotNull(labels.y), isNull(labels.undoneAt)))
    .orderBy(desc(labels.id));
  const rows = limit === undefined ? await query : await query.limit(limit);
  const steps = await clipStepsById(db, rows.flatMap((r) => [r.aId, r.bId]));
  const side = (id: number) => {
    const { states, actions } = clipOf(steps, id);
    return { id, states, actions: discreteActions(actions, 'the labeled-pairs inspector') };
  };
  return rows.map((r) => ({ labelId: r.labelId, y: r.y!, a: side(r.aId), b: side(r.bId) }));
}
