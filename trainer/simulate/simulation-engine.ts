/**
 * What `simulate()` (simulate.ts) asks of one seed's learner: the simulation-side face of an
 * engine, with the same seams as the service's Engine (trainer/service/engine.ts) but a scripted
 * teacher in place of the queue and the seed's own random streams. Implementations:
 * simulate-tabular.ts (exact tabular engine) and simulate-neural.ts (tfjs engine).
 */
import type { Rng } from '../core/rng';
import type { LabeledPair, Segment } from '../preference/types';

export type Metrics = Record<string, number>;

/** Draws one pair of clips from the current policy with `rng`. */
export type PairDrawer = (rng: Rng) => [Segment, Segment];

export interface SimulationEngine {
  /** Most outer iterations the schedule allows (Infinity: until the label budget is spent). */
  readonly maxIterations: number;
  /** Whether the learner asks the teacher (false: the oracle, which trains on the true reward). */
  readonly asksTeacher: boolean;
  /** Clip draws and the teacher's answers share this stream, pair by pair. */
  readonly labelRng: Rng;
  /** Labels used so far (the curve's x axis). */
  labelsUsed(): number;
  /** Gather: clips from the current policy (the neural engine collects env steps first); null when no clip can be cut. */
  gather(): PairDrawer | null;
  /** Upper level on every label so far (this iteration's `fresh` included); null: nothing to learn from, skip the iteration. */
  updateReward(fresh: readonly LabeledPair[], k: number): Promise<Metrics | null>;
  /** Lower level: the policy follows the new reward. */
  updatePolicy(): Metrics;
  /** The current policy's true return (`final`: the last point, more episodes where that matters) and extra metrics. */
  evaluate(final: boolean, iterationStartedAt: number | null): { value: number; metrics: Metrics };
  dispose(): void;
}
