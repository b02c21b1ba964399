/**
 * SoBiRL (model-free hyper-gradient), tabular form with exact G (docs/algorithms.md, option 1).
 *
 *   grad phi = E[grad_x l(d1, d2, y; x)] + tau^-1 E[(l - b) * sum_i sum_h grad(Q - V)(s_h^i, a_h^i)]
 *
 * Exploitation is averaged over every label so far (the same data DRLHF fits); exploration over
 * the pairs drawn from the current policy pi_k in this iteration, because the log-probability
 * trick holds only for pairs sampled from the policy it differentiates (older pairs would need
 * importance weights). The policy is fixed during the upper-level steps of one outer iteration.
 */
import { Adam } from '../core/adam';
import { importAdamState, type IterationMetrics, type LearnerInit, type TabularLearner } from './tabular-learner';
import {
  exploitation, exploration, l2Norm, lowerLevel, type LinearPair, type TabularSetup,
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
  l2: 1e-3,
  gradientSource: 'exact',
  rolloutSteps: 40,
  rollouts: 16,
  seed: 0,
};

export function makeSobirl(setup: TabularSetup, config: SobirlConfig = DEFAULT_SOBIRL, init?: LearnerInit): TabularLearner {
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
      const explore = coef > 0
        ? exploration(fresh, pairScores(setup, lower.pi, fresh, scoreOptions), x, setup.mdp.tau, config.baseline)
        : new Float64Array(setup.n);
      const perStep = coef / config.upperSteps;
      let last: IterationMetrics | undefined;
      for (let step = 0; step < config.upperSteps; step++) {
        const exploit = exploitation(all, x);
        const grad = new Float64Array(setup.n);
        for (let j = 0; j < setup.n; j++) grad[j] = exploit.grad[j]! + perStep * explore[j]! + config.l2 * x[j]!;
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
