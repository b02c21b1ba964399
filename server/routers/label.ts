import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { CHOICES } from '@/db/schema';
import { wellFormedCheck } from '@/db/text';
import { createTRPCRouter, roleProcedure } from '../trpc';
import { leaseNextPair } from '../queue';
import { labelStatus, runExists, submitLabel, undoLabel } from '../labeling';

/** Every signed-in role may label: researchers and admins check their own instructions. */
const labeler = roleProcedure('annotator', 'researcher', 'admin');

const id = z.number().int().positive();
/** Epoch milliseconds from the browser clock. */
const epochMs = z.number().int().nonnegative();

export const labelRouter = createTRPCRouter({
  /** Leases the best pair for this user (5 min); excludePairIds lets the page prefetch a second one. */
  next: labeler
    .input(z.object({ runId: id.optional(), excludePairIds: z.array(id).max(100).optional() }).optional())
    .query(({ ctx, input }) => {
      const runId = input?.runId;
      if (runId !== undefined && !runExists(ctx.db, runId)) {
        throw new TRPCError({ code: 'NOT_FOUND', message: `run ${runId} does not exist` });
      }
      const now = ctx.now();
      const pair = leaseNextPair(ctx.db, { userId: ctx.user.id, runId, excludePairIds: input?.excludePairIds, now });
      return { pair, status: labelStatus(ctx.db, ctx.user.id, now, runId, pair?.runName) };
    }),

  submit: labeler
    .input(
      z.object({
        submissionId: z.uuid().check(wellFormedCheck),
        pairId: id,
        choice: z.enum(CHOICES),
        shownAt: epochMs,
        answeredAt: epochMs,
      }),
    )
    .mutation(({ ctx, input }) => submitLabel(ctx.db, ctx.user.id, input, ctx.now())),

  /** Only your own label, within 30 s; the pair is leased to you again and returned. */
  undo: labeler
    .input(z.object({ labelId: id }))
    .mutation(({ ctx, input }) => ({ pair: undoLabel(ctx.db, ctx.user.id, input.labelId, ctx.now()) })),

  status: labeler
    .input(z.object({ runId: id.optional() }).optional())
    .query(({ ctx, input }) => labelStatus(ctx.db, ctx.user.id, ctx.now(), input?.runId)),
});
