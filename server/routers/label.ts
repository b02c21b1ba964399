import { z } from 'zod';
import { CHOICES, FLAG_SIDES } from '@/db/schema';
import { text, wellFormedCheck } from '@/trainer/contracts/text';
import { createTRPCRouter, roleProcedure } from '../trpc';
import { leaseNextPair, STRENGTHS } from '../queue';
import { labelStatus, submitLabel, undoLabel } from '../labeling';
import { editLabel, FLAG_COMMENT_MAX, flagPair, labelHistory } from '../labelHistory';
import { myRuns } from '../campaigns';
import { onboarding, submitPractice } from '../practice';
import { runForLabeler } from '../runAccess';

/** Every signed-in role may label: researchers and admins check their own instructions. */
const labeler = roleProcedure('annotator', 'researcher', 'admin');

const id = z.number().int().positive();
/** Epoch milliseconds from the browser clock. */
const epochMs = z.number().int().nonnegative();
const runInput = z.object({ runId: id });

export const labelRouter = createTRPCRouter({
  /** The runs you may label, with your progress and the pairs waiting for you. */
  myRuns: labeler.query(({ ctx }) => myRuns(ctx.db, ctx.user, ctx.now())),

  /**
   * Leases the best pair for this user (5 min); excludePairIds lets the page prefetch a second
   * one. A mutation, not a query: it grants a lease, so it must never run from a GET (a link
   * from another site could trigger it).
   */
  next: labeler
    .input(z.object({ runId: id.optional(), excludePairIds: z.array(id).max(100).optional() }).optional())
    .mutation(async ({ ctx, input }) => {
      const runId = input?.runId;
      if (runId !== undefined) await runForLabeler(ctx.db, ctx.user, runId); // NOT_FOUND for runs you may not see
      const now = ctx.now();
      const pair = await leaseNextPair(ctx.db, { userId: ctx.user.id, role: ctx.user.role, runId, excludePairIds: input?.excludePairIds, now });
      return { pair, status: await labelStatus(ctx.db, ctx.user, now, runId) };
    }),

  submit: labeler
    .input(
      z.object({
        submissionId: await z.uuid().check(wellFormedCheck),
        pairId: id,
        choice: z.enum(CHOICES),
        strength: z.enum(STRENGTHS).optional(),
        shownAt: epochMs,
        answeredAt: epochMs,
      }),
    )
    .mutation(({ ctx, input }) => submitLabel(ctx.db, ctx.user, input, ctx.now())),

  /** Only your own label, within 30 s, on an active run; the pair is leased to you again and returned. */
  undo: labeler
    .input(z.object({ labelId: id }))
    .mutation(async ({ ctx, input }) => ({ pair: await undoLabel(ctx.db, ctx.user, input.labelId, ctx.now()) })),

  status: labeler
    .input(z.object({ runId: id.optional() }).optional())
    .query(({ ctx, input }) => labelStatus(ctx.db, ctx.user, ctx.now(), input?.runId)),

  /** Your live labels, newest first, 50 a page. */
  history: labeler
    .input(z.object({ beforeId: id.optional(), runId: id.optional() }).optional())
    .query(({ ctx, input }) => labelHistory(ctx.db, ctx.user.id, { beforeId: input?.beforeId, runId: input?.runId })),

  /** Changes the choice of one of your labels while its run is active. */
  edit: labeler
    .input(z.object({ labelId: id, choice: z.enum(CHOICES), strength: z.enum(STRENGTHS).optional() }))
    .mutation(({ ctx, input }) => editLabel(ctx.db, ctx.user, input, ctx.now())),

  /** Reports a broken clip in a pair you labeled or hold; the pair leaves the queue, training and exports. */
  flag: labeler
    .input(z.object({ pairId: id, side: z.enum(FLAG_SIDES), comment: text(FLAG_COMMENT_MAX).trim().min(1, 'say what is wrong with the clip') }))
    .mutation(({ ctx, input }) => flagPair(ctx.db, ctx.user, input, ctx.now())),

  /** A run's instructions, example pairs with their answers, and its practice round. */
  onboarding: labeler.input(runInput).query(({ ctx, input }) => onboarding(ctx.db, ctx.user, input.runId)),

  practice: labeler
    .input(z.object({ runId: id, answers: z.array(z.object({ pairId: id, choice: z.enum(CHOICES) })).min(1).max(50) }))
    .mutation(({ ctx, input }) => submitPractice(ctx.db, ctx.user, input, ctx.now())),
});
