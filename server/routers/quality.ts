import { TRPCError } from '@trpc/server';
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { labels, pairs, runs, users } from '@/db/schema';
import { runAgreement } from '../agreement/runAgreement';
import { createTRPCRouter, roleProcedure } from '../trpc';

const researcher = roleProcedure('researcher', 'admin');

export const qualityRouter = createTRPCRouter({
  /**
   * Inter-annotator agreement of one run over its live labels; annotators by pseudonym.
   * Gold pairs are not scored yet (no gold answers in the schema): `withGold` is null until
   * they land, when their answers are passed to runAgreement as its `gold` map.
   */
  agreement: researcher.input(z.object({ runId: z.number().int().positive() })).query(({ ctx, input }) => {
    const run = ctx.db.select({ id: runs.id }).from(runs).where(eq(runs.id, input.runId)).get();
    if (!run) throw new TRPCError({ code: 'NOT_FOUND', message: `run ${input.runId} does not exist` });
    const rows = ctx.db
      .select({ pairId: labels.pairId, annotator: users.pseudonym, choice: labels.choice, responseMs: labels.responseMs })
      .from(labels)
      .innerJoin(pairs, eq(pairs.id, labels.pairId))
      .innerJoin(users, eq(users.id, labels.userId))
      .where(and(eq(pairs.runId, input.runId), isNull(labels.undoneAt)))
      .all();
    return { runId: input.runId, ...runAgreement(rows) };
  }),
});
