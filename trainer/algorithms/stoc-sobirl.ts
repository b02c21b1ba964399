/**
 * Stoc-SoBiRL: SoBiRL with sampled mini-batches and a STORM-style momentum direction
 * (ALGORITHMS.md, "Stochastic version"):
 *   h_t = g(D_t; x_t, pi_t) + (1 - mu_t) * ( h_{t-1} - g(D_t; x_{t-1}, pi_{t-1}) )
 *   x_{t+1} = x_t - beta_t * h_t
 * The SAME batch D_t is evaluated at the new and the previous iterate: that correction is what
 * lets the momentum track the moving hyper-gradient with small batches.
 * g is the SoBiRL estimator: exploitation on a mini-batch of all labels, exploration on the
 * fresh on-policy pairs of the outer iteration. Schedules: beta_t = beta0 / (t + 1)^(1/3),
 * mu_t = min(1, muScale * beta_t^2) (STORM's a_t = c * eta_t^2), t counting every inner step.
 */
import type { Rng } from '../core/rng';
import type { IterationMetrics, LearnerInit, TabularLearner } from './tabular-learner';
import {
  exploitation, exploration, l2Norm, lowerLevel, type LinearPair, type TabularSetup,
} from './tabular-rlhf';
import { pairScores } from './tabular-scores';

export interface StocSobirlConfig {
  /** Momentum steps on x per outer iteration. */
  upperSteps: number;
  /** Initial step size beta_0 (plain steps, no Adam: the momentum is the method). */
  beta0: number;
  /** mu_t = min(1, muScale * beta_t^2). */
  muScale: number;
  /** Labels per exploitation mini-batch. */
  batchSize: number;
  /** Soft Bellman sweeps per outer iteration, warm-started. */
  lowerSweeps: number;
  /** Batch-mean loss baseline in the exploration half. */
  baseline: boolean;
  /** L2 weight on x. */
  l2: number;
  /** Clip ||h_t|| before the step (the sampled exploration half has heavy tails). */
  clipNorm: number;
}

export const DEFAULT_STOC_SOBIRL: StocSobirlConfig = {
  upperSteps: 20,
  beta0: 2,
  muScale: 1,
  batchSize: 64,
  lowerSweeps: 20,
  baseline: true,
  l2: 1e-3,
  clipNorm: 1,
};

export function makeStocSobirl(setup: TabularSetup, rng: Rng, config: StocSobirlConfig = DEFAULT_STOC_SOBIRL, init?: LearnerInit): TabularLearner {
  const n = setup.n;
  const x = init ? new Float64Array(init.x) : new Float64Array(n);
  let lower = lowerLevel(setup, x, init?.Q, config.lowerSweeps);
  let h: Float64Array | null = null;
  let xPrev = new Float64Array(n);
  let scoresPrevPi: ((fresh: readonly LinearPair[]) => Float64Array[]) | null = null;
  let t = 0;

  /** g(D; x, scores): the SoBiRL estimator on one batch at one iterate. */
  const estimate = (batch: readonly LinearPair[], fresh: readonly LinearPair[], scores: Float64Array[], at: Float64Array) => {
    const exploit = exploitation(batch, at);
    const explore = exploration(fresh, scores, at, setup.mdp.tau, config.baseline);
    const g = new Float64Array(n);
    // As in SoBiRL, the exploration half (one batch of fresh pairs per outer iteration) is
    // spread over the inner steps instead of being re-applied in full at each of them.
    for (let j = 0; j < n; j++) g[j] = exploit.grad[j]! + explore[j]! / config.upperSteps + config.l2 * at[j]!;
    return { g, exploit, explore };
  };

  return {
    name: 'stoc-sobirl',
    x,
    get pi() { return lower.pi; },
    get Q() { return lower.Q; },
    iterate(all: readonly LinearPair[], fresh: readonly LinearPair[]): IterationMetrics {
      const piNow = lower.pi;
      const scoresNow = pairScores(setup, piNow, fresh);
      // Scores of this iteration's pairs under the previous outer iterate's policy.
      const scoresOld = scoresPrevPi ? scoresPrevPi(fresh) : scoresNow;
      let last: IterationMetrics | undefined;
      for (let step = 0; step < config.upperSteps; step++, t++) {
        const batch = miniBatch(all, config.batchSize, rng);
        const now = estimate(batch, fresh, scoresNow, x);
        const direction = new Float64Array(now.g);
        if (h) {
          const mu = Math.min(1, config.muScale * (config.beta0 / Math.cbrt(t + 1)) ** 2);
          // Within an outer iteration the policy is fixed, so the previous iterate's scores are
          // this iteration's scores except at the first inner step.
          const prev = estimate(batch, fresh, step === 0 ? scoresOld : scoresNow, xPrev);
          for (let j = 0; j < n; j++) direction[j] = now.g[j]! + (1 - mu) * (h[j]! - prev.g[j]!);
        }
        h = direction;
        xPrev = new Float64Array(x);
        const hNorm = l2Norm(h);
        const beta = (config.beta0 / Math.cbrt(t + 1)) * (hNorm > config.clipNorm ? config.clipNorm / hNorm : 1);
        for (let j = 0; j < n; j++) x[j] = x[j]! - beta * h[j]!;
        last = {
          'loss/preference': now.exploit.loss,
          'hypergrad/norm': l2Norm(h),
          'hypergrad/exploit': l2Norm(now.exploit.grad),
          'hypergrad/explore': l2Norm(now.explore),
        };
      }
      const piBefore = piNow;
      scoresPrevPi = (pairs) => pairScores(setup, piBefore, pairs);
      lower = lowerLevel(setup, x, lower.Q, config.lowerSweeps);
      return last!;
    },
  };
}

function miniBatch<T>(items: readonly T[], size: number, rng: Rng): T[] {
  if (items.length <= size) return [...items];
  const out: T[] = [];
  for (let i = 0; i < size; i++) out.push(items[rng.int(items.length)]!);
  return out;
}
