import { sql, type SQL } from 'drizzle-orm';
import { pairFlags, pairs } from './schema';

/**
 * Nobody has reported a broken clip in this pair (pair_flags): the one predicate the queue, the
 * trainer's label reads and the exports share, for a query over `pairs`.
 */
export const pairNotFlagged: SQL = sql`not exists (select 1 from ${pairFlags} where ${pairFlags.pairId} = ${pairs.id})`;
