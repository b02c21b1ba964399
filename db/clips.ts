import { inArray } from 'drizzle-orm';
import type { Db } from './client';
import type { ClipActions } from '../trainer/contracts/clip-actions';
import { clips } from './schema';

export interface ClipSteps {
  states: unknown[];
  actions: ClipActions;
  logProbs: number[];
}

/** Ids per query: well under SQLite's and PostgreSQL's limits on bound parameters. */
const IDS_PER_QUERY = 5_000;

/**
 * The steps of the given clips by id, in a few queries. Label reads join each label with its
 * pair's TWO clips; a self-join needs a table alias, which drizzle renders per dialect, so the
 * clips are read here instead, by id, the same way on SQLite and PostgreSQL.
 */
export async function clipStepsById(db: Db, ids: readonly number[]): Promise<Map<number, ClipSteps>> {
  const unique = [...new Set(ids)];
  const byId = new Map<number, ClipSteps>();
  for (let start = 0; start < unique.length; start += IDS_PER_QUERY) {
    const rows = await db
      .select({ id: clips.id, states: clips.states, actions: clips.actions, logProbs: clips.logProbs })
      .from(clips)
      .where(inArray(clips.id, unique.slice(start, start + IDS_PER_QUERY)));
    for (const { id, ...steps } of rows) byId.set(id, steps);
  }
  return byId;
}

/** One clip of the map, or an error naming it (a pair whose clip is gone is a broken row). */
export function clipOf(byId: Map<number, ClipSteps>, id: number): ClipSteps {
  const clip = byId.get(id);
  if (!clip) throw new Error(`clip ${id} of a labeled pair does not exist`);
  return clip;
}
