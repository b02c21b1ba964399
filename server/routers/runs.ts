import { desc, sql } from 'drizzle-orm';
import { runs } from '@/db/schema';
import { createTRPCRouter, roleProcedure } from '../trpc';

const researcher = roleProcedure('researcher', 'admin');

export const runsRouter = createTRPCRouter({
  /** Every run, newest first, with its queue and label counts. */
  list: researcher.query(({ ctx }) =>
    ctx.db
      .select({
        id: runs.id,
        name: runs.name,
        envId: runs.envId,
        algorithm: runs.algorithm,
        status: runs.status,
        labelsWanted: runs.labelsWanted,
        labelBatchSize: runs.labelBatchSize,
        iteration: runs.iteration,
        createdAt: runs.createdAt,
        updatedAt: runs.updatedAt,
        // Written out: in a single-table select drizzle prints interpolated columns unqualified,
        // so ${runs.id} inside these subqueries would bind to the inner table's id.
        clipCount: sql<number>`(select count(*) from clips c where c.run_id = runs.id)`,
        pairCount: sql<number>`(select count(*) from pairs p where p.run_id = runs.id)`,
        pairsPending: sql<number>`(select count(*) from pairs p where p.run_id = runs.id and p.status = 'pending')`,
        labelCount: sql<number>`(select count(*) from labels l join pairs p on p.id = l.pair_id
          where p.run_id = runs.id and l.undone_at is null)`,
      })
      .from(runs)
      .orderBy(desc(runs.createdAt), desc(runs.id))
      .all(),
  ),
});
