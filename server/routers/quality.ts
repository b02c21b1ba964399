import { TRPCError } from '@trpc/server';
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { GOLD_CHOICES, labels, pairs, runs, users } from '@/db/schema';
import { runAgreement } from '../agreement/runAgreement';
import { goldMapOfRun, setGold } from '../gold';
import { createTRPCRouter, roleProcedure } from '../trpc';
import { firstRow } from '@/db/dialect';

const researcher = roleProcedure('researcher', 'admin');
const admin = roleProcedure('admin');
const id = z.number().int().positive();

export const qualityRouter = createTRPCRouter({
  /**
   * Inter-annotator agreement of one run over its live labels; annotators by pseudonym. Each
   * annotator's `withGold` scores them against the run's gold pairs; null when the run has none.
   */
  agreement: researcher.input(z.object({ runId: id })).query(async ({ ctx, input }) => {
    const run = await firstRow(ctx.db.select({ id: runs.id }).from(runs).where(eq(runs.id, input.runId)));
    if (!run) throw new TRPCError({ code: 'NOT_FOUND', message: `run ${input.runId} does not exist` });
    const rows = await ctx.db
      .select({ pairId: labels.pairId, annotator: users.pseudonym, choice: labels.choice, responseMs: labels.responseMs })
      .from(labels)
      .innerJoin(pairs, eq(pairs.id, labels.pairId))
      .innerJoin(users, eq(users.id, labels.userId))
      .where(and(eq(pairs.runId, input.runId), isNull(labels.undoneAt)));
    const gold = await goldMapOfRun(ctx.db, input.runId);
    return { runId: input.runId, goldPairs: gold.size, ...runAgreement(rows, gold.size > 0 ? gold : undefined) };
  }),

  /**
   * Admins only: gives a pair its correct answer (it becomes gold: offered to every annotator
   * once, never retired) or, with null, makes it an ordinary pair again.
   */
  setGold: admin
    .input(z.object({ pairId: id, choice: z.enum(GOLD_CHOICES).nullable() }))
    .mutation(({ ctx, input }) => setGold(ctx.db, input.pairId, input.choice)),
});
