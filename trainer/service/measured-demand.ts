import type { StepContext } from './engine';
import { pendingTargetFor as sharedPendingTarget } from './queue-target';

/** Iterations whose measured demand sizes the pending target (the largest of them counts). */
const RECENT_ITERATIONS = 3;
/** Added to an iteration's compute time: the poll pause, the read and the commit. */
const CYCLE_SLACK_S = 1;

/**
 * Labels the annotators can give during one iteration: their measured arrival rate times the
 * iteration's measured duration. The rate comes from the submission times of the labels an
 * iteration consumed (count over their time span): when the queue ran dry, those labels came in
 * a burst while pairs were available, so the rate is what annotators CAN do, not the starved
 * average (counting labels per iteration instead would be capped by the queue itself, and the
 * target would never grow out of a starved state).
 */
export function labelsPerIteration(arrival: { count: number; spanMs: number }, iterationSeconds: number): number {
  if (arrival.count < 2) return arrival.count;
  const rate = arrival.count / Math.max(arrival.spanMs / 1000, 1);
  return rate * (iterationSeconds + CYCLE_SLACK_S);
}

/**
 * Pending target: pendingFactor x the labels one iteration consumes (the README's rule), with
 * that number MEASURED for neural runs: an iteration takes seconds and a fixed
 * 2 x label_batch_size runs dry. The largest demand of the
 * recent iterations counts (arrival is bursty); never below pendingFactor x label_batch_size.
 */
export function pendingTargetFor(
  pendingFactor: number, labelBatchSize: number, recentDemand: readonly number[],
  queue: { labelsWanted: number; activeAnnotators: number } = { labelsWanted: 1, activeAnnotators: 0 },
): number {
  // queue-target.ts's rule, with this engine's measured demand as the labels per cycle.
  return sharedPendingTarget({
    pendingFactor, labelBatchSize, labelsWanted: queue.labelsWanted, labelRate: 0, cycleSeconds: 0,
    activeAnnotators: queue.activeAnnotators, measuredDemand: Math.max(0, ...recentDemand),
  });
}

/**
 * The label demand of the engines whose iterations take seconds (neural, continuous): each
 * iteration's measured labels-per-iteration (`labelsPerIteration`) over the recent
 * ones, and the pending target it implies (`pendingTargetFor`). The newest demand survives a
 * restart through the 'queue/demand' metric.
 */
export class MeasuredDemand {
  private readonly recent: number[] = [];
  /** The demand measured by the iteration in flight ('queue/demand'). */
  latest = Number.NaN;

  /** After a restart: the stored newest demand, so the first iteration is not starved. */
  async resume(history: StepContext<never>['history']): Promise<void> {
    const last = await history.latestMetric('queue/demand');
    if (this.recent.length === 0 && last) this.recent.push(last);
  }

  /** Records the iteration in flight when `measured` is given; returns the pending target. */
  async pendingTarget(ctx: Pick<StepContext<never>, 'run' | 'history' | 'activeIds'>, pendingFactor: number, measured?: { watermark: number; maxLabelId: number; seconds: number }): Promise<number> {
    if (measured) {
      // Demand: the labels' arrival rate times this iteration's duration (the query step and the
      // commit are short next to the learner, hence the slack rather than a second measurement).
      this.latest = labelsPerIteration(await ctx.history.labelArrival(measured.watermark, measured.maxLabelId), measured.seconds);
      this.recent.push(this.latest);
      if (this.recent.length > RECENT_ITERATIONS) this.recent.shift();
    }
    return pendingTargetFor(pendingFactor, ctx.run.labelBatchSize, this.recent, { labelsWanted: ctx.run.labelsWanted, activeAnnotators: ctx.activeIds.length });
  }
}
