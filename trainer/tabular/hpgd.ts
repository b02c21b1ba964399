/**
 * The hyper-gradient estimator of HPGD (hyper-policy gradient descent; Thoma, Pasztor, Krause,
 * Ramponi & Hu, "Contextual bilevel reinforcement learning for incentive alignment", NeurIPS
 * 2024), on a tabular MDP; the update that uses it is trainer/algorithms/hpgd.ts, the
 * derivation docs/algorithms-pbrl-hpgd.md.
 *
 * HPGD's leader sees only the follower's trajectories. With an entropy-regularised follower,
 * d log pi*(a|s) / dx = (grad Q*(s, a) - grad V*(s)) / tau and
 *   grad Q*(s, a) = E[ sum_t gamma^t grad r(s_t, a_t) | s_0 = s, a_0 = a, pi* ],
 * which HPGD estimates WITHOUT bias from one rollout of random length T ~ Geometric(1 - gamma)
 * (P(T >= t) = gamma^t): E[ sum_{t <= T} grad r(s_t, a_t) ] = sum_t gamma^t E[grad r(s_t, a_t)].
 * grad V*(s) gets its own rollout, its first action drawn from pi. So each visited step costs
 * two rollouts of mean length 1 / (1 - gamma), and no discount or truncation enters.
 */
import { makeRng, type Rng } from '../core/rng';
import { bradleyTerry, bradleyTerryGrad, sigmoid } from './numeric';
import { linearReward, solveLowerLevel } from './hypergrad';
import type { TabularProblem } from './problem';
import type { TabularMdp } from './soft';

/**
 * Adds sum_{t <= T} features(s_t, a_t) to `out`, along one rollout of pi from state s whose
 * first action is `firstAction` (or drawn from pi when null), T ~ Geometric(1 - gamma).
 */
function addGeometricRollout(
  mdp: TabularMdp, pi: Float64Array, features: Float64Array, n: number, s: number, firstAction: number | null, sign: number, rng: Rng, out: Float64Array,
): void {
  const { S, A, P, gamma } = mdp;
  let state = s;
  let action = firstAction ?? rng.categorical(pi.subarray(state * A, (state + 1) * A));
  for (;;) {
    const sa = state * A + action;
    for (let j = 0; j < n; j++) out[j] = out[j]! + sign * features[sa * n + j]!;
    if (rng.next() >= gamma) return; // stop with probability 1 - gamma after each step
    state = rng.categorical(P.subarray(sa * S, (sa + 1) * S));
    action = rng.categorical(pi.subarray(state * A, (state + 1) * A));
  }
}

/**
 * One unbiased sample of grad Q*(s, a) - grad V*(s) (n-vector, added to `out`): two independent
 * geometric-length rollouts of pi, the first starting with a, the second with a' ~ pi(.|s).
 */
export function addAdvantageGradientSample(
  mdp: TabularMdp, pi: Float64Array, features: Float64Array, n: number, s: number, a: number, rng: Rng, out: Float64Array,
): void {
  addGeometricRollout(mdp, pi, features, n, s, a, 1, rng, out);
  addGeometricRollout(mdp, pi, features, n, s, null, -1, rng, out);
}

export interface HpgdEstimate {
  /** Mean over the N pairs of grad_x l + (l / tau) * sum_i sum_h Ghat(s_h^i, a_h^i). */
  estimate: Float64Array;
  /** Per-coordinate standard error of that mean. */
  stdErr: Float64Array;
  samples: number;
}

/**
 * HPGD's estimate of grad phi for a preference upper level (`sobirl hypergrad`'s problem kind
 * "preference"): N pairs of segments drawn from pi*(x) from rho, labels y ~ Bernoulli(sig(beta
 * (Rbar1 - Rbar2))), each step's grad(Q* - V*) replaced by one advantageGradientSample. No
 * baseline: HPGD's estimator has none. Compare hypergrad.ts's sobirlEstimate (exact G).
 */
export function hpgdEstimate(problem: TabularProblem, opts: { samples: number; seed: number }, x: Float64Array = problem.x): HpgdEstimate {
  const upper = problem.upper;
  if (upper.kind !== 'preference') throw new Error('the hpgd estimator samples labelled pairs: it needs upper.kind "preference"');
  const N = opts.samples;
  if (!(Number.isInteger(N) && N >= 1)) throw new Error(`samples must be an integer >= 1, got ${N}`);
  const { mdp, features, n, rho } = problem;
  const { S, A, P, tau } = mdp;
  const { pi } = solveLowerLevel(problem, x);
  const reward = linearReward(features, x, S * A, n);
  const rng = makeRng(opts.seed);
  const mean = new Float64Array(n), m2 = new Float64Array(n);
  const segment = () => {
    const f = new Float64Array(n), score = new Float64Array(n);
    let rx = 0, rbar = 0;
    let s = rng.categorical(rho);
    for (let h = 0; h < upper.horizon; h++) {
      const a = rng.categorical(pi.subarray(s * A, (s + 1) * A));
      const sa = s * A + a;
      rx += reward[sa]!;
      rbar += upper.trueReward[sa]!;
      for (let j = 0; j < n; j++) f[j] = f[j]! + features[sa * n + j]!;
      addAdvantageGradientSample(mdp, pi, features, n, s, a, rng, score);
      if (h < upper.horizon - 1) s = rng.categorical(P.subarray(sa * S, (sa + 1) * S));
    }
    return { f, score, rx, rbar };
  };
  for (let m = 0; m < N; m++) {
    const d1 = segment(), d2 = segment();
    const y = rng.next() < sigmoid(upper.beta * (d1.rbar - d2.rbar)) ? 1 : 0;
    const delta = d1.rx - d2.rx;
    const loss = bradleyTerry(delta, y), slope = bradleyTerryGrad(delta, y);
    for (let j = 0; j < n; j++) {
      const g = slope * (d1.f[j]! - d2.f[j]!) + (loss / tau) * (d1.score[j]! + d2.score[j]!);
      const dev = g - mean[j]!;
      mean[j] = mean[j]! + dev / (m + 1);
      m2[j] = m2[j]! + dev * (g - mean[j]!);
    }
  }
  const stdErr = mean.map((_, j) => (N > 1 ? Math.sqrt(m2[j]! / (N - 1) / N) : Infinity));
  return { estimate: mean, stdErr, samples: N };
}
