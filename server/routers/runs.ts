import { TRPCError } from '@trpc/server';
import { desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { runs, type RunStatus } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { trainerHealth } from '@/db/heartbeat';
import { unsupportedReason } from '@/trainer/contracts/algorithms';
import { createRunInputSchema } from '@/trainer/contracts/run-config';
import { text } from '@/trainer/contracts/text';
import { createTRPCRouter, roleProcedure } from '../trpc';
import { runAnnotators, setAssignments, updateCampaign } from '../campaigns';
import { runFlags } from '../labelHistory';
import { firstRow, returnedRow } from '@/db/dialect';

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
    writeTx(ctx.db, async (tx) => {
      const run = await firstRow(tx.select({ status: runs.status }).from(runs).where(eq(runs.id, input.runId)));
      if (!run) throw new TRPCError({ code: 'NOT_FOUND', message: `run ${input.runId} does not exist` });
      const { from, to } = TRANSITIONS[action];
      if (!from.includes(run.status)) {
        throw new TRPCError({ code: 'CONFLICT', message: `cannot ${action} run ${input.runId}: it is ${run.status}` });
      }
      await tx.update(runs).set({ status: to, updatedAt: ctx.now() }).where(eq(runs.id, input.runId));
      return { id: input.runId, status: to };
    }),
  );
}

export const runsRouter = createTRPCRouter({
  /**
   * Every run, newest first, with its queue and label counts, the trainer process holding it
   * (`heldBy`: its unexpired run lease's TRAINER_ID, db/run-leases.ts; null: none now), and the
   * trainers' health (db/heartbeat.ts: the same value on each row).
   */
  list: researcher.query(async ({ ctx }) => {
    const now = ctx.now();
    const trainer = await trainerHealth(ctx.db, now);
    return (await ctx.db
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
        description: runs.description,
        openToAll: runs.openToAll,
        labelTarget: runs.labelTarget,
        practicePairs: runs.practicePairs,
        preferenceStrength: runs.preferenceStrength,
        flaggedPairs: sql<number>`(select count(distinct f.pair_id) from pair_flags f join pairs p on p.id = f.pair_id where p.run_id = runs.id)`,
        // Written out: in a single-table select drizzle prints interpolated columns unqualified,
        // so ${runs.id} inside these subqueries would bind to the inner table's id.
        heldBy: sql<string | null>`(select l.holder_id from run_leases l where l.run_id = runs.id and l.expires_at > ${now})`,
        clipCount: sql<number>`(select count(*) from clips c where c.run_id = runs.id)`,
        pairCount: sql<number>`(select count(*) from pairs p where p.run_id = runs.id)`,
        pairsPending: sql<number>`(select count(*) from pairs p where p.run_id = runs.id and p.status = 'pending' and p.gold_choice is null)`,
        labelCount: sql<number>`(select count(*) from labels l join pairs p on p.id = l.pair_id
          where p.run_id = runs.id and l.undone_at is null)`,
      })
      .from(runs)
      .orderBy(desc(runs.createdAt), desc(runs.id))
    ).map((row) => ({ ...row, trainer }));
  }),

  /** A new active run; the trainer service picks it up on its next pass (hyper-parameters default). */
  create: researcher
    .input(createRunInputSchema)
    .mutation(({ ctx, input }) => {
      const unsupported = unsupportedReason(input.algorithm, input.envId, 'service');
      if (unsupported) throw new TRPCError({ code: 'BAD_REQUEST', message: unsupported });
      const now = ctx.now();
      return writeTx(ctx.db, async (tx) =>
        returnedRow(
          tx
            .insert(runs)
            // The parsed config, defaults filled in: the run keeps its settings if defaults change later.
            .values({ ...input, createdBy: ctx.user.id, createdAt: now, updatedAt: now })
            .returning({ id: runs.id, status: runs.status, config: runs.config }),
        ),
      ).then((row) => row!);
    }),

  /** Rename, describe, open to all or not, label target, practice round, preference strength. */
  updateCampaign: researcher
    .input(
      z.object({
        runId: z.number().int().positive(),
        name: text(200).trim().min(1, 'name must not be empty').optional(),
        description: text(2000).trim().optional(),
        openToAll: z.boolean().optional(),
        labelTarget: z.number().int().min(1, 'label target must be at least 1').max(1_000_000, 'label target must be at most 1,000,000').nullable().optional(),
        practicePairs: z.number().int().min(0, 'practice pairs must be 0 or more').max(20, 'practice pairs must be at most 20').optional(),
        preferenceStrength: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) => updateCampaign(ctx.db, input, ctx.now())),

  /** Annotators who may label the run when it is not open to all (replaces the list). */
  setAssignments: researcher
    .input(z.object({ runId: z.number().int().positive(), userIds: z.array(z.number().int().positive()).max(1000) }))
    .mutation(({ ctx, input }) => setAssignments(ctx.db, input.runId, input.userIds, ctx.now())),

  annotators: researcher.input(runId).query(({ ctx, input }) => runAnnotators(ctx.db, input.runId)),

  /** Pairs annotators reported broken (left out of the queue, training and exports). */
  flags: researcher.input(runId).query(({ ctx, input }) => runFlags(ctx.db, input.runId)),

  pause: setStatus('pause'),
  resume: setStatus('resume'),
  stop: setStatus('stop'),
});
