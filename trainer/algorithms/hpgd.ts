/**
 * HPGD (hyper-policy gradient descent; Thoma, Pasztor, Krause, Ramponi & Hu, NeurIPS 2024),
 * tabular (the estimator is trainer/tabular/hpgd.ts; the update is stated in
 * docs/algorithms-pbrl-hpgd.md).
 *
 * HPGD's leader treats the follower as a black box that only shows trajectories: the
 * hyper-gradient uses the same log-probability identity as SoBiRL,
 *   grad phi = E[grad_x l] + tau^-1 E[l * sum_i sum_h (grad Q* - grad V*)(s_h^i, a_h^i)],
 * but every grad Q* - grad V* is ONE unbiased sample from two rollouts of random length
 * T ~ Geometric(1 - gamma), and the loss enters without a baseline. What it shares with SoBiRL
 * and DRLHF: the linear reward model, every label in E[grad_x l], Adam on x with the same budget
 * (the paper takes plain SGD steps; one optimiser for all keeps the comparison about the
 * direction), the warm-started lower level, and the exploration half estimated once per outer
 * iteration on the fresh pairs and spread over the inner steps.
 */
import { Adam } from '../core/adam';
import { makeRng } from '../core/rng';
import { addAdvantageGradientSample } from '../tabular/hpgd';
import { importAdamState, type IterationMetrics, type LearnerInit, type TabularLearner } from './tabular-learner';
import {
  exploitation, exploration, l2Norm, lowerLevel, segmentIndices, type LinearPair, type TabularSetup,
} from './tabular-rlhf';

export interface HpgdConfig {
  /** Adam steps on x per outer iteration. */
  upperSteps: number;
  /** Adam learning rate for x. */
  lr: number;
  /** Soft Bellman sweeps per outer iteration, warm-started. */
  lowerSweeps: number;
  /** Weight of the exploration half (1 = the hyper-gradient). */
  exploreCoef: number;
  /** A batch-mean baseline (not in HPGD's estimator: off by default). */
  baseline: boolean;
  /** L2 weight on x. */
  l2: number;
  /** Seed of the rollouts' random stream. */
  seed: number;
}

export const DEFAULT_HPGD: HpgdConfig = { upperSteps: 20, lr: 0.05, lowerSweeps: 20, exploreCoef: 1, baseline: false, l2: 1e-3, seed: 0 };

export function makeHpgd(setup: TabularSetup, config: HpgdConfig = DEFAULT_HPGD, init?: LearnerInit): TabularLearner {
  const { mdp, features, n } = setup;
  const x = init ? new Float64Array(init.x) : new Float64Array(n);
  let lower = lowerLevel(setup, x, init?.Q, init ? 0 : config.lowerSweeps);
  const adam = new Adam(n, { lr: config.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  if (init?.state) importAdamState('hpgd', adam, init.state);

  /** One geometric-rollout sample of grad(Q - V) per visited step, summed over both clips. */
  const sampledScores = (pairs: readonly LinearPair[], k: number): Float64Array[] => {
    // One stream per outer iteration: a resumed learner draws the rollouts the uninterrupted one would.
    const rng = makeRng(config.seed * 1_000_003 + k);
    return pairs.map(({ pair }) => {
      const score = new Float64Array(n);
      for (const seg of [pair.first, pair.second]) {
        for (const sa of segmentIndices(setup, seg)) addAdvantageGradientSample(mdp, lower.pi, features, n, Math.floor(sa / mdp.A), sa % mdp.A, rng, score);
      }
      return score;
    });
  };

  return {
    name: 'hpgd',
    x,
    get pi() { return lower.pi; },
    get Q() { return lower.Q; },
    exportState: () => adam.exportState(),
    iterate(all: readonly LinearPair[], fresh: readonly LinearPair[], k: number): IterationMetrics {
      const explore = config.exploreCoef > 0
        ? exploration(fresh, sampledScores(fresh, k), x, mdp.tau, config.baseline)
        : new Float64Array(n);
      const perStep = config.exploreCoef / config.upperSteps;
      let last: IterationMetrics | undefined;
      for (let step = 0; step < config.upperSteps; step++) {
        const exploit = exploitation(all, x);
        const grad = new Float64Array(n);
        for (let j = 0; j < n; j++) grad[j] = exploit.grad[j]! + perStep * explore[j]! + config.l2 * x[j]!;
        adam.step(x, grad);
        last = {
          'loss/preference': exploit.loss,
          'hypergrad/norm': l2Norm(grad),
          'hypergrad/exploit': l2Norm(exploit.grad),
          'hypergrad/explore': config.exploreCoef * l2Norm(explore),
        };
      }
      lower = lowerLevel(setup, x, lower.Q, config.lowerSweeps);
      return last!;
    },
  };
}
