/**
 * Stoc-SoBiRL: SoBiRL with sampled mini-batches and a STORM-style momentum direction
 * (docs/algorithms.md, "The algorithms", Stoc-SoBiRL):
 *   h_t = g(D_t; x_t, pi_t) + (1 - mu_t) * ( h_{t-1} - g(D_t; x_{t-1}, pi_{t-1}) )
 *   x_{t+1} = x_t - beta_t * h_t
 * The SAME batch D_t is evaluated at the new and the previous iterate: that correction is what
 * lets the momentum track the moving hyper-gradient with small batches.
 * g is the SoBiRL estimator: exploitation on a mini-batch of all labels, exploration on the
 * fresh on-policy pairs of the outer iteration. Schedules: beta_t = beta0 / (t + 1)^(1/3),
 * mu_t = min(1, muScale * beta_t^2) (STORM's a_t = c * eta_t^2), t counting every inner step.
 */
import type { Rng } from '../core/rng';
import { checkStateLength, LearnerStateError, type IterationMetrics, type LearnerInit, type TabularLearner } from './tabular-learner';
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

/**
 * @param rng the mini-batch stream: one Rng for the whole run, or a function giving outer
 *   iteration k its own stream (the service's choice: a learner resumed from a checkpoint then
 *   draws exactly the batches the uninterrupted one would have drawn).
 */
export function makeStocSobirl(setup: TabularSetup, rng: Rng | ((k: number) => Rng), config: StocSobirlConfig = DEFAULT_STOC_SOBIRL, init?: LearnerInit): TabularLearner {
  const n = setup.n, SA = setup.mdp.S * setup.mdp.A;
  const x = init ? new Float64Array(init.x) : new Float64Array(n);
  // Resumed: the checkpoint's Q as it is (no sweeps), so pi is the policy that drew its pairs.
  let lower = lowerLevel(setup, x, init?.Q, init ? 0 : config.lowerSweeps);
  let h: Float64Array | null = null;
  let xPrev = new Float64Array(n);
  /** pi at the start of the previous outer iteration (its scores enter the first inner step's correction). */
  let piPrevIteration: Float64Array | null = null;
  let t = 0;
  // Optimiser state: [t, has h, h (n), x_prev (n), has pi_prev, pi_prev (S*A)].
  const stateLength = 2 + 2 * n + 1 + SA;
  if (init?.state) {
    const s = init.state;
    checkStateLength('stoc-sobirl', s, stateLength);
    if (!Number.isInteger(s[0]!) || s[0]! < 0) throw new LearnerStateError(`stoc-sobirl: step count must be a non-negative integer, got ${s[0]}`);
    t = s[0]!;
    h = s[1] === 1 ? s.slice(2, 2 + n) : null;
    xPrev = s.slice(2 + n, 2 + 2 * n);
    piPrevIteration = s[2 + 2 * n] === 1 ? s.slice(3 + 2 * n) : null;
  }
  const exportState = (): Float64Array => {
    const out = new Float64Array(stateLength);
    out[0] = t;
    if (h) {
      out[1] = 1;
      out.set(h, 2);
    }
    out.set(xPrev, 2 + n);
    if (piPrevIteration) {
      out[2 + 2 * n] = 1;
      out.set(piPrevIteration, 3 + 2 * n);
    }
    return out;
  };

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
    exportState,
    iterate(all: readonly LinearPair[], fresh: readonly LinearPair[], k: number): IterationMetrics {
      const batchRng = typeof rng === 'function' ? rng(k) : rng;
      const piNow = lower.pi;
      const scoresNow = pairScores(setup, piNow, fresh);
      // Scores of this iteration's pairs under the previous outer iterate's policy.
      const scoresOld = piPrevIteration ? pairScores(setup, piPrevIteration, fresh) : scoresNow;
      let last: IterationMetrics | undefined;
      for (let step = 0; step < config.upperSteps; step++, t++) {
        const batch = miniBatch(all, config.batchSize, batchRng);
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
      piPrevIteration = piNow;
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
