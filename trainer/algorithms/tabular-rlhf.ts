import type { AnyEnv } from '../envs/types';
import type { Rng } from '../core/rng';
import { drawStart, startDistribution, UNIFORM_START, type StartSpec } from '../envs/start';
import type { LabeledPair, Segment } from '../preference/types';
import { bradleyTerryLoss, bradleyTerryLossGrad } from '../preference/bradley-terry';
import { meanLossBaseline } from '../preference/baseline';
import { sampleSegment } from '../preference/sampling';
import {
  evaluatePolicy,
  softValueIteration,
  type TabularMdp,
} from '../tabular/soft';

/**
 * The pieces every tabular RLHF algorithm shares (SoBiRL, Stoc-SoBiRL, M-SoBiRL, DRLHF, oracle):
 * a linear reward model r_x(s, a) = features(s, a) . x, the soft-optimal lower level solved by
 * warm-started soft value iteration, and the two halves of the hyper-gradient:
 *   exploitation  E[grad_x l(d1, d2, y; x)]                     (what DRLHF also uses)
 *   exploration   tau^-1 E[(l - b) * sum_i sum_h grad(Q - V)(s_h^i, a_h^i)]   (SoBiRL only)
 * with grad Q, grad V exact (docs/algorithms.md, "ways to get G", option 1).
 */

export interface TabularSetup {
  env: AnyEnv;
  mdp: TabularMdp;
  /** Feature matrix, row-major SA x n: grad_x r_sa = features[sa, :]. */
  features: Float64Array;
  n: number;
  /** Where clips start (envs/start.ts). */
  start: StartSpec;
  /** The start distribution of `start`: exact evaluation uses the same one as the clips. */
  rho: Float64Array;
  trueReward: Float64Array;
}

/**
 * Which one-hot features the linear reward model uses:
 * - 'state-action': r(s, a) = x[s, a], a free table (n = S * A);
 * - 'state': r(s, a) = x[s] (n = S), for envs whose reward depends on the state only, as the
 *   observation-based neural reward models do. With 'state-action' an action never tried in a
 *   state keeps reward 0, so a sharp soft policy can lock onto the first rewarded action.
 */
export type TabularFeatures = 'state' | 'state-action';

export function makeTabularSetup(env: AnyEnv, gamma: number, tau: number, kind: TabularFeatures, start: StartSpec = UNIFORM_START): TabularSetup {
  const tab = env.tabular;
  if (!tab) throw new Error(`environment '${env.id}' is not tabular; use the neural engine`);
  const { numStates: S, numActions: A, transitions, trueReward } = tab.model;
  const n = kind === 'state' ? S : S * A;
  const features = new Float64Array(S * A * n);
  for (let sa = 0; sa < S * A; sa++) features[sa * n + (kind === 'state' ? Math.floor(sa / A) : sa)] = 1;
  return {
    env,
    mdp: { S, A, P: transitions, gamma, tau },
    features,
    n,
    start,
    rho: startDistribution(env, start),
    trueReward,
  };
}

export function rewardOf(setup: TabularSetup, x: Float64Array): Float64Array {
  const { S, A } = setup.mdp;
  const r = new Float64Array(S * A);
  for (let sa = 0; sa < S * A; sa++) {
    let v = 0;
    for (let j = 0; j < setup.n; j++) v += setup.features[sa * setup.n + j]! * x[j]!;
    r[sa] = v;
  }
  return r;
}

/** State-action index sequence of a segment (its reward is sum_h r[sa_h]). */
export function segmentIndices(setup: TabularSetup, seg: Segment): number[] {
  const stateIndex = setup.env.tabular!.stateIndex;
  return seg.actions.map((a, h) => stateIndex(seg.states[h]) * setup.mdp.A + a);
}

/** phi(d) = sum_h features(s_h, a_h): R_x(d) = phi(d) . x. */
function segmentFeatureSum(setup: TabularSetup, seg: Segment): Float64Array {
  const out = new Float64Array(setup.n);
  for (const sa of segmentIndices(setup, seg)) {
    for (let j = 0; j < setup.n; j++) out[j] = out[j]! + setup.features[sa * setup.n + j]!;
  }
  return out;
}

/** A labeled pair pre-digested for the linear model: phi(d1) - phi(d2). */
export interface LinearPair {
  pair: LabeledPair;
  featureDiff: Float64Array;
}

export function toLinearPair(setup: TabularSetup, pair: LabeledPair): LinearPair {
  const f1 = segmentFeatureSum(setup, pair.first), f2 = segmentFeatureSum(setup, pair.second);
  for (let j = 0; j < setup.n; j++) f1[j] = f1[j]! - f2[j]!;
  return { pair, featureDiff: f1 };
}

function dot(a: Float64Array, b: Float64Array): number {
  let v = 0;
  for (let i = 0; i < a.length; i++) v += a[i]! * b[i]!;
  return v;
}

/** Per-pair Bradley-Terry losses at x. */
export function pairLosses(pairs: readonly LinearPair[], x: Float64Array): number[] {
  return pairs.map((p) => bradleyTerryLoss(dot(p.featureDiff, x), p.pair.y));
}

/** Exploitation half: mean loss and its gradient E[grad_x l] over `pairs`. */
export function exploitation(pairs: readonly LinearPair[], x: Float64Array): { loss: number; grad: Float64Array } {
  const grad = new Float64Array(x.length);
  let loss = 0;
  for (const p of pairs) {
    const delta = dot(p.featureDiff, x);
    loss += bradleyTerryLoss(delta, p.pair.y);
    const g = bradleyTerryLossGrad(delta, p.pair.y);
    for (let j = 0; j < x.length; j++) grad[j] = grad[j]! + g * p.featureDiff[j]!;
  }
  const m = Math.max(pairs.length, 1);
  for (let j = 0; j < x.length; j++) grad[j] = grad[j]! / m;
  return { loss: loss / m, grad };
}

/**
 * Exploration half: tau^-1 mean_m[w_m (l_m - b_m) * score_m], with b_m the mean loss of the other
 * pairs when `baseline` (E[grad log P] = 0, so b changes the variance and not the mean). `weights`
 * (default all 1) are importance weights of older pairs (exploration-half.ts).
 */
export function exploration(
  pairs: readonly LinearPair[],
  scores: readonly Float64Array[],
  x: Float64Array,
  tau: number,
  baseline: boolean,
  weights?: readonly number[],
): Float64Array {
  const grad = new Float64Array(x.length);
  if (pairs.length === 0) return grad;
  const losses = pairLosses(pairs, x);
  const { b, scale } = meanLossBaseline(losses, baseline);
  for (let m = 0; m < pairs.length; m++) {
    const w = ((weights?.[m] ?? 1) * scale * (losses[m]! - b)) / (tau * pairs.length);
    if (w === 0) continue;
    const score = scores[m]!;
    for (let j = 0; j < x.length; j++) grad[j] = grad[j]! + w * score[j]!;
  }
  return grad;
}

/** Lower level: N soft Bellman sweeps under r(x), warm-started from the previous Q. */
export function lowerLevel(setup: TabularSetup, x: Float64Array, Q: Float64Array | undefined, sweeps: number) {
  if (!x.every(Number.isFinite)) {
    throw new Error('the upper level diverged: the reward parameters x are no longer finite; lower the step size');
  }
  return softValueIteration(setup.mdp, rewardOf(setup, x), { Q0: Q, sweeps });
}

/** Exact true return (no entropy) of pi from the setup's start distribution. */
export function trueReturn(setup: TabularSetup, pi: Float64Array): number {
  return evaluatePolicy(setup.mdp, pi, setup.trueReward, setup.rho);
}

/** Segments of `horizon` steps from the setup's start states (uniform or one state), actions from pi. */
export function sampleTabularSegment(setup: TabularSetup, pi: Float64Array, horizon: number, rng: Rng): Segment {
  const tab = setup.env.tabular!;
  const { A } = setup.mdp;
  const start = drawStart(setup.env, setup.start, rng);
  return sampleSegment(setup.env, (state) => {
    const s = tab.stateIndex(state);
    return pi.subarray(s * A, (s + 1) * A);
  }, start, horizon, rng);
}

export function l2Norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}
