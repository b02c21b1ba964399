import { TRPCError } from '@trpc/server';
import { desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { runs, type RunStatus } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { unsupportedReason } from '@/trainer/contracts/algorithms';
import { createRunInputSchema } from '@/trainer/contracts/run-config';
import { createTRPCRouter, roleProcedure } from '../trpc';

const researcher = roleProcedure('researcher', 'admin');
const runId = z.object({ runId: z.number().int().positive() });

/** Allowed status changes: a stopped run is final (its data stays; start a new run instead). */
const TRANSITIONS: Record<'pause' | 'resume' | 'stop', { from: readonly RunStatus[]; to: RunStatus }> = {
  pause: { from: ['active'], to: 'paused' },
  resume: { from: ['paused'], to: 'active' },
  stop: { from: ['active', 'paused'], to: 'stopped' },
};

function setStatus(action: keyof typeof TRANSITIONS) {
  return researcher.input(runId).mutation(({ ctx, input }) =>
    writeTx(ctx.db, (tx) => {
      const run = tx.select({ status: runs.status }).from(runs).where(eq(runs.id, input.runId)).get();
      if (!run) throw new TRPCError({ code: 'NOT_FOUND', message: `run ${input.runId} does not exist` });
      const { from, to } = TRANSITIONS[action];
      if (!from.includes(run.status)) {
        throw new TRPCError({ code: 'CONFLICT', message: `cannot ${action} run ${input.runId}: it is ${run.status}` });
      }
      tx.update(runs).set({ status: to, updatedAt: ctx.now() }).where(eq(runs.id, input.runId)).run();
      return { id: input.runId, status: to };
    }),
  );
}

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
        lastError: runs.lastError,
        lastErrorAt: runs.lastErrorAt,
        // Written out: in a single-table select drizzle prints interpolated columns unqualified,
        // so ${runs.id} inside these subqueries would bind to the inner table's id.
        clipCount: sql<number>`(select count(*) from clips c where c.run_id = runs.id)`,
        pairCount: sql<number>`(select count(*) from pairs p where p.run_id = runs.id)`,
        pairsPending: sql<number>`(select count(*) from pairs p where p.run_id = runs.id and p.status = 'pending' and p.gold_choice is null)`,
        labelCount: sql<number>`(select count(*) from labels l join pairs p on p.id = l.pair_id
          where p.run_id = runs.id and l.undone_at is null)`,
      })
      .from(runs)
      .orderBy(desc(runs.createdAt), desc(runs.id))
      .all(),
  ),

  /** A new active run; the trainer service picks it up on its next pass (hyper-parameters default). */
  create: researcher
    .input(createRunInputSchema)
    .mutation(({ ctx, input }) => {
      const unsupported = unsupportedReason(input.algorithm, input.envId, 'service');
      if (unsupported) throw new TRPCError({ code: 'BAD_REQUEST', message: unsupported });
      const now = ctx.now();
      return writeTx(ctx.db, (tx) =>
        tx.insert(runs)
          // The parsed config, defaults filled in: the run keeps its settings if defaults change later.
          .values({ ...input, createdBy: ctx.user.id, createdAt: now, updatedAt: now })
          .returning({ id: runs.id, status: runs.status, config: runs.config })
          .get(),
      );
    }),

  pause: setStatus('pause'),
  resume: setStatus('resume'),
  stop: setStatus('stop'),
});
