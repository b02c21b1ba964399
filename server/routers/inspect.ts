import { z } from 'zod';
import { text } from '@/trainer/contracts/text';
import { loadRunsSeries } from '../inspect/metricSeries';
import { goldChoiceOf } from '../gold';
import { loadPairDetail, loadRecentPairs } from '../inspect/pairDetail';
import { loadCheckpointList, loadRunSummary, requireRun } from '../inspect/runSummary';
import { createTRPCRouter, roleProcedure } from '../trpc';

const researcher = roleProcedure('researcher', 'admin');
const id = z.number().int().positive();

/**
 * The researcher's view of a run: what the reward model and the policy learned. Read-only; the
 * derived series (held-out accuracy, learned-vs-true correlation, labels per hour, learned
 * return) are computed here from checkpoints and labels, see server/inspect/derivedSeries.ts.
 */
export const inspectRouter = createTRPCRouter({
  /** The run row, its parsed config, counts, and the runs it can be overlaid with. */
  run: researcher.input(z.object({ runId: id })).query(({ ctx, input }) => loadRunSummary(ctx.db, input.runId)),

  /** Series per run and metric name (several runs overlay on one chart); `names` narrows them. */
  metrics: researcher
    .input(z.object({ runIds: z.array(id).min(1).max(8), names: z.array(text(100).min(1)).max(40).optional() }))
    .query(async ({ ctx, input }) => {
      // The first run is the page's own: it must exist; compared runs that vanished are dropped.
      await requireRun(ctx.db, input.runIds[0]!);
      return loadRunsSeries(ctx.db, [...new Set(input.runIds)], input.names);
    }),

  /** Checkpoints newest first, with blob sizes (downloads: /api/checkpoints/ID?part=...). */
  checkpoints: researcher.input(z.object({ runId: id })).query(({ ctx, input }) => loadCheckpointList(ctx.db, input.runId)),

  /**
   * One pair with its labels, the learned reward per step, and for tabular runs the reward heat
   * map; `gold` is its admin-given answer (null: not gold) and whether this user may change it.
   */
  pair: researcher
    .input(z.object({ pairId: id, checkpointId: id.optional() }))
    .query(async ({ ctx, input }) => ({
      ...await loadPairDetail(ctx.db, input.pairId, input.checkpointId),
      gold: { choice: await goldChoiceOf(ctx.db, input.pairId), canSet: ctx.user.role === 'admin' },
    })),

  /** The run's most recently labeled pairs. */
  pairs: researcher
    .input(z.object({
      runId: id,
      limit: z.number().int().min(1).max(200).default(30),
      offset: z.number().int().min(0).max(10_000_000).default(0),
      pairId: id.optional(),
    }))
    .query(async ({ ctx, input }) => {
      await requireRun(ctx.db, input.runId);
      return loadRecentPairs(ctx.db, input.runId, input.limit, { offset: input.offset, pairId: input.pairId });
    }),
});
