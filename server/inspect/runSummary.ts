import { TRPCError } from '@trpc/server';
import { desc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, runs, type Run } from '@/db/schema';
import { resolveRunConfig } from '@/trainer/contracts/run-config';
import { tabularShape } from './tabularModel';
import { firstRow, queryFirst } from '@/db/dialect';

export async function requireRun(db: Db, runId: number): Promise<Run> {
  const run = await firstRow(db.select().from(runs).where(eq(runs.id, runId)));
  if (!run) throw new TRPCError({ code: 'NOT_FOUND', message: `run ${runId} does not exist` });
  return run;
}

function isTabular(envId: string): boolean {
  try {
    return tabularShape(envId) !== null;
  } catch {
    return false;
  }
}

/** A run's row, its config with defaults filled in, its counts, and the runs it may be compared with. */
export async function loadRunSummary(db: Db, runId: number) {
  const run = await requireRun(db, runId);
  let config: unknown = run.config;
  let configError: string | null = null;
  try {
    config = resolveRunConfig(run.envId, run.config);
  } catch (error) {
    configError = (error as Error).message;
  }
  // Written out, as in runs.list: correlated subqueries on the run's id.
  const counts = (await queryFirst<{ clips: number; pairs: number; pairsPending: number; labels: number; annotators: number; checkpoints: number }>(
    db,
    sql`select
         (select count(*) from clips where run_id = ${runId}) as clips,
         (select count(*) from pairs where run_id = ${runId}) as pairs,
         (select count(*) from pairs where run_id = ${runId} and status = 'pending' and gold_choice is null) as "pairsPending",
         (select count(*) from labels l join pairs p on p.id = l.pair_id where p.run_id = ${runId} and l.undone_at is null) as labels,
         (select count(distinct l.user_id) from labels l join pairs p on p.id = l.pair_id where p.run_id = ${runId} and l.undone_at is null) as annotators,
         (select count(*) from checkpoints where run_id = ${runId}) as checkpoints`,
  ))!;
  const others = await db
    .select({ id: runs.id, name: runs.name, envId: runs.envId, algorithm: runs.algorithm, status: runs.status })
    .from(runs)
    .where(ne(runs.id, runId))
    .orderBy(desc(runs.id));
  // Same environment first: those are the runs whose curves mean the same thing.
  const comparable = [...others.filter((r) => r.envId === run.envId), ...others.filter((r) => r.envId !== run.envId)];
  return { run, config, configError, tabular: isTabular(run.envId), counts, comparable };
}

/** The run's checkpoints, newest first, with the sizes of their blobs (the blobs stay in the database). */
export async function loadCheckpointList(db: Db, runId: number) {
  await requireRun(db, runId);
  return await db
    .select({
      id: checkpoints.id,
      iteration: checkpoints.iteration,
      createdAt: checkpoints.createdAt,
      formatVersion: checkpoints.formatVersion,
      labelWatermark: checkpoints.labelWatermark,
      labelsUsed: checkpoints.labelsUsed,
      rewardModelBytes: sql<number | null>`length(${checkpoints.rewardModel})`,
      policyBytes: sql<number | null>`length(${checkpoints.policy})`,
    })
    .from(checkpoints)
    .where(eq(checkpoints.runId, runId))
    .orderBy(desc(checkpoints.iteration));
}
