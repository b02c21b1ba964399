/**
 * SoBiRL (model-free hyper-gradient), tabular form with exact G (docs/algorithms.md, option 1).
 *
 *   grad phi = E[grad_x l(d1, d2, y; x)] + tau^-1 E[(l - b) * sum_i sum_h grad(Q - V)(s_h^i, a_h^i)]
 *
 * Exploitation is averaged over every label so far (the same data DRLHF fits); exploration over
 * the pairs drawn from the current policy pi_k in this iteration, because the log-probability
 * trick holds only for pairs sampled from the policy it differentiates (older pairs would need
 * importance weights: `exploreData: 'weighted'`, exploration-half.ts). The policy is fixed
 * during the upper-level steps of one outer iteration.
 */
import { Adam } from '../core/adam';
import { importAdamState, type IterationMetrics, type LearnerInit, type TabularLearner } from './tabular-learner';
import { capExploration, EXPLORE_DATA, importanceWeights, weightedExploration, type ExploreData } from './exploration-half';
import {
  exploitation, l2Norm, lowerLevel, type LinearPair, type TabularSetup,
} from './tabular-rlhf';
import { pairScores, type GradientSource } from './tabular-scores';
import { makeRng } from '../core/rng';

export interface SobirlConfig {
  /** Upper-level Adam steps per outer iteration (DRLHF gets the same budget). */
  upperSteps: number;
  /** Adam learning rate for the reward parameters x. */
  lr: number;
  /** Soft Bellman sweeps per outer iteration, warm-started from the previous Q. */
  lowerSweeps: number;
  /** Weight of the exploration half (1 = the hyper-gradient; 0 = DRLHF). */
  exploreCoef: number;
  /** Outer iterations with exploration off at the start (the authors' code warms up too). */
  exploreWarmup: number;
  /** Subtract the batch-mean loss in the exploration half (variance reduction, same mean). */
  baseline: boolean;
  /** Pairs the exploration half is estimated on: this iteration's fresh pairs, or every label importance-weighted (exploration-half.ts). */
  exploreData: ExploreData;
  /** 'weighted': importance weights are truncated at this value. */
  weightCap: number;
  /**
   * 'per-iteration': estimated once at (x_k, pi_k) and spread over the inner steps (weight
   * exploreCoef / upperSteps each); 'per-step': re-estimated at every inner step's x and applied
   * with weight exploreCoef at each (the hyper-gradient as every upper step would take it).
   */
  exploreSchedule: 'per-iteration' | 'per-step';
  /** Cap the applied exploration term's norm at exploreCap x the exploitation half's norm (<= 0: no cap). */
  exploreCap: number;
  /** L2 weight on x (keeps unvisited entries near 0). */
  l2: number;
  /** Where grad(Q - V) comes from: exact implicit derivatives, simulator rollouts, or the clip's suffix (tabular-scores.ts). */
  gradientSource: GradientSource;
  /** 'rollout': rollout length T. */
  rolloutSteps: number;
  /** 'rollout': rollouts per estimate. */
  rollouts: number;
  /** Seed of the rollout simulator's random stream. */
  seed: number;
}

export const DEFAULT_SOBIRL: SobirlConfig = {
  upperSteps: 20,
  lr: 0.05,
  lowerSweeps: 20,
  exploreCoef: 1,
  exploreWarmup: 0,
  baseline: true,
  exploreData: 'fresh',
  weightCap: 5,
  exploreSchedule: 'per-iteration',
  exploreCap: 0,
  l2: 1e-3,
  gradientSource: 'exact',
  rolloutSteps: 40,
  rollouts: 16,
  seed: 0,
};

export function makeSobirl(setup: TabularSetup, config: SobirlConfig = DEFAULT_SOBIRL, init?: LearnerInit): TabularLearner {
  if (!(EXPLORE_DATA as readonly string[]).includes(config.exploreData)) {
    throw new Error(`sobirl: exploreData must be one of ${EXPLORE_DATA.join(', ')}, got '${config.exploreData}'`);
  }
  if (config.exploreSchedule !== 'per-iteration' && config.exploreSchedule !== 'per-step') {
    throw new Error(`sobirl: exploreSchedule must be 'per-iteration' or 'per-step', got '${config.exploreSchedule}'`);
  }
  const x = init ? new Float64Array(init.x) : new Float64Array(setup.n);
  // Resumed: the checkpoint's Q as it is (no sweeps), so pi is the policy that drew its pairs.
  let lower = lowerLevel(setup, x, init?.Q, init ? 0 : config.lowerSweeps);
  const rng = makeRng(config.seed);
  const scoreOptions = { source: config.gradientSource, rolloutSteps: config.rolloutSteps, rollouts: config.rollouts, rng };
  const adam = new Adam(setup.n, { lr: config.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  if (init?.state) importAdamState('sobirl', adam, init.state);

  return {
    name: 'sobirl',
    x,
    get pi() { return lower.pi; },
    get Q() { return lower.Q; },
    exportState: () => adam.exportState(),
    iterate(all: readonly LinearPair[], fresh: readonly LinearPair[], k: number): IterationMetrics {
      const coef = k < config.exploreWarmup ? 0 : config.exploreCoef;
      // The exploration half is estimated ONCE per outer iteration, at (x_k, pi_k), where the
      // log-probability trick is exact for the fresh pairs, and spread evenly over the inner
      // steps. Re-applying a one-batch estimate at every inner step would push x the same noisy
      // way upperSteps times (measured on grid5: returns collapse in half the seeds).
      // Scores depend on pi_k only (linear reward), so they are computed once either way.
      const data = config.exploreData === 'weighted' ? all : fresh;
      const scores = coef > 0 ? pairScores(setup, lower.pi, data, scoreOptions) : [];
      const weights = config.exploreData === 'weighted' ? importanceWeights(setup, lower.pi, data, config.weightCap) : data.map(() => 1);
      const estimate = () => coef > 0
        ? weightedExploration(data, scores, weights, x, setup.mdp.tau, config.baseline)
        : new Float64Array(setup.n);
      const once = config.exploreSchedule === 'per-iteration' ? estimate() : null;
      const perStep = once ? coef / config.upperSteps : coef;
      let last: IterationMetrics | undefined;
      for (let step = 0; step < config.upperSteps; step++) {
        const exploit = exploitation(all, x);
        const explore = once ?? estimate();
        const applied = capExploration(explore.map((v) => perStep * v), l2Norm(exploit.grad), config.exploreCap);
        const grad = new Float64Array(setup.n);
        for (let j = 0; j < setup.n; j++) grad[j] = exploit.grad[j]! + applied[j]! + config.l2 * x[j]!;
        adam.step(x, grad);
        last = {
          'loss/preference': exploit.loss,
          'hypergrad/norm': l2Norm(grad),
          'hypergrad/exploit': l2Norm(exploit.grad),
          'hypergrad/explore': coef * l2Norm(explore),
        };
      }
      lower = lowerLevel(setup, x, lower.Q, config.lowerSweeps);
      return last!;
    },
  };
}
