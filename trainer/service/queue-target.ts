/**
 * How many pairs a run keeps open for its annotators (both engines; pure). The queue must not
 * run dry between two refills, and a refill comes once per trainer cycle (an iteration, or a
 * top-up pass while none is due). So:
 *
 *   labels per cycle   = max(label_batch_size, label rate x cycle seconds)     (measured)
 *   labels per pair    = min(overlap, active annotators)   (a pair absorbs at most one label per
 *                        person: with overlap 2 and ONE annotator, a pair takes one label, not two)
 *   held by the pages  = active annotators x LEASES_PER_ANNOTATOR   (the pair on screen + the
 *                        prefetched one, each a lease that hides the pair from others)
 *   target (pairs)     = ceil((pendingFactor x labels per cycle + held) / labels per pair),
 *                        at most RUN_LIMITS.pendingPairs (run-budget.ts).
 *
 * Measured before (issue 11, item 3): 100 annotators on grid5 at a fixed target of 2 x batch =
 * 32 pairs found no pair in 73% of label.next calls; the 100 pages alone held up to 200 leases.
 * Supply is counted the same way (store.ts openPairCount): pending pairs that some active
 * annotator can still label, so half-labeled overlap pairs nobody else is there to finish do not
 * stand in for pairs a lone annotator can take (issue 13, item 1).
 */
import { RUN_LIMITS } from '../contracts/run-budget';

/** The labeling page holds the pair it shows and one it prefetched (components/label). */
export const LEASES_PER_ANNOTATOR = 2;
/** Added to the measured iteration time: the poll pause, the reads and the commit. */
export const CYCLE_SLACK_S = 1;

export interface QueueDemand {
  pendingFactor: number;
  labelBatchSize: number;
  /** Overlap: labels wanted per pair. */
  labelsWanted: number;
  /** Labels per second on the run, measured over a recent window (0 when nobody labels). */
  labelRate: number;
  /** Seconds between two refills: the last iteration's measured duration + CYCLE_SLACK_S. */
  cycleSeconds: number;
  /** People who labeled or held a lease on the run recently. */
  activeAnnotators: number;
  /** Labels per cycle measured otherwise (neural runs: the recent iterations' demand); optional. */
  measuredDemand?: number;
}

export function pendingTargetFor(d: QueueDemand): number {
  const perCycle = Math.max(d.labelBatchSize, d.labelRate * d.cycleSeconds, d.measuredDemand ?? 0);
  const perPair = Math.max(1, Math.min(d.labelsWanted, d.activeAnnotators));
  const held = d.activeAnnotators * LEASES_PER_ANNOTATOR;
  const target = Math.ceil((d.pendingFactor * perCycle + held) / perPair);
  return Math.min(RUN_LIMITS.pendingPairs, target);
}
