/**
 * The value penalty of PBRL (Shen, Yang & Chen, "Principled penalty-based methods for bilevel
 * reinforcement learning and RLHF", ICML 2024), exact on a tabular MDP; the update that uses it
 * is trainer/algorithms/pbrl.ts, the derivation docs/algorithms-pbrl-hpgd.md.
 *
 * PBRL keeps its own policy pi_theta (softmax logits theta, S x A) beside the reward parameters x
 * and replaces "pi is soft-optimal for r_x" by the penalty
 *   p(x, theta) = J*_tau(x) - J_tau(x, pi_theta) >= 0,
 *   J_tau(x, pi) = E_{s0 ~ rho, pi}[ sum_t gamma^t (r_x(s_t, a_t) - tau log pi(a_t | s_t)) ],
 * J*_tau(x) = max_pi J_tau(x, pi) = rho . V*(x) (soft value iteration). Its gradients:
 *   grad_x p     = sum_s d*(s) sum_a pi*_sa F_sa - sum_s d(s) sum_a pi_sa F_sa
 *                  (Danskin: the max is attained at the unique pi*; d, d* the discounted
 *                  occupancies of pi_theta and pi* from rho, F_sa = grad_x r_sa)
 *   dp/dtheta_sa = -d(s) pi_sa (Q_sa - tau log pi_sa - V_s)
 *                  (the entropy-regularised policy gradient theorem through the softmax, with
 *                  V, Q the soft values of pi_theta: V = (I - gamma P^pi)^-1 sum_a pi (r - tau log pi),
 *                  Q = r + gamma P V).
 * Layouts as soft.ts: theta, pi [s*A + a]; gradients in x: n-vectors.
 */
import { policyFromQ, occupancy, policyValues, softValueIteration, type TabularMdp } from './soft';

/** pi_theta(a|s) = softmax_a theta_sa (tau = 1: logits, not Q values). */
export function softmaxPolicy(theta: Float64Array, S: number, A: number): Float64Array {
  return policyFromQ(theta, S, A, 1).pi;
}

/** Entropy-regularised values of a fixed policy: V, Q (Q_sa = r_sa + gamma E V(s')) and J = rho . V. */
export function softPolicyValues(mdp: TabularMdp, pi: Float64Array, r: Float64Array, rho: Float64Array) {
  const { S, A, tau } = mdp;
  const regularised = new Float64Array(S * A);
  for (let sa = 0; sa < S * A; sa++) regularised[sa] = r[sa]! - (pi[sa]! > 0 ? tau * Math.log(pi[sa]!) : 0);
  // policyValues' Q is regularised + gamma P V; the soft Q drops the -tau log pi of the first step.
  const { V, Q } = policyValues(mdp, pi, regularised);
  for (let sa = 0; sa < S * A; sa++) Q[sa] = Q[sa]! + r[sa]! - regularised[sa]!;
  let J = 0;
  for (let s = 0; s < S; s++) J += rho[s]! * V[s]!;
  return { V, Q, J };
}

/** sum_s d(s) sum_a pi_sa F_sa: grad_x J_tau(x, pi) for a linear reward (the entropy term has no x). */
function occupancyFeatures(mdp: TabularMdp, pi: Float64Array, rho: Float64Array, features: Float64Array, n: number): Float64Array {
  const { S, A } = mdp;
  const d = occupancy(mdp, pi, rho);
  const out = new Float64Array(n);
  for (let sa = 0; sa < S * A; sa++) {
    const w = d[Math.floor(sa / A)]! * pi[sa]!;
    if (w === 0) continue;
    for (let j = 0; j < n; j++) out[j] = out[j]! + w * features[sa * n + j]!;
  }
  return out;
}

export interface ValuePenalty {
  /** p(x, theta) = J*_tau(x) - J_tau(x, pi_theta). */
  value: number;
  gradX: Float64Array;
  gradTheta: Float64Array;
  /** The soft-optimal policy pi*(x) the penalty compares against. */
  piStar: Float64Array;
}

/**
 * The value penalty and its gradients at (x, theta). `r` = r_x (features . x). `piStar`, when
 * given, is taken as pi*(x) (the learner's warm-started lower level); otherwise soft VI solves
 * for it to the float64 floor.
 */
export function valuePenalty(
  mdp: TabularMdp, r: Float64Array, features: Float64Array, n: number, theta: Float64Array, rho: Float64Array, piStar?: Float64Array,
): ValuePenalty {
  const { S, A, tau } = mdp;
  const star = piStar ?? softValueIteration(mdp, r, { tol: 0 }).pi;
  const pi = softmaxPolicy(theta, S, A);
  const own = softPolicyValues(mdp, pi, r, rho);
  const best = softPolicyValues(mdp, star, r, rho);
  const gradX = occupancyFeatures(mdp, star, rho, features, n);
  const ownFeatures = occupancyFeatures(mdp, pi, rho, features, n);
  for (let j = 0; j < n; j++) gradX[j] = gradX[j]! - ownFeatures[j]!;
  const d = occupancy(mdp, pi, rho);
  const gradTheta = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const sa = s * A + a;
      const p = pi[sa]!;
      if (p === 0) continue;
      gradTheta[sa] = -d[s]! * p * (own.Q[sa]! - tau * Math.log(p) - own.V[s]!);
    }
  }
  return { value: best.J - own.J, gradX, gradTheta, piStar: star };
}

/**
 * grad_theta of log pi_theta(a_h | s_h) summed over the steps of a segment (given as (s*A + a)
 * indices): for each step, +1 at (s_h, a_h) and -pi(b | s_h) at every (s_h, b). The score of
 * the preference loss's dependence on pi_theta (pairs are drawn from pi_theta).
 */
export function softmaxSegmentScore(pi: Float64Array, A: number, sas: readonly number[], out: Float64Array): void {
  for (const sa of sas) {
    const s = Math.floor(sa / A);
    out[sa] = out[sa]! + 1;
    for (let b = 0; b < A; b++) out[s * A + b] = out[s * A + b]! - pi[s * A + b]!;
  }
}

/** One labelled pair as the policy-score half sees it: both segments' (s*A + a) steps and its loss at x. */
export interface ScoredPair {
  first: readonly number[];
  second: readonly number[];
  loss: number;
}

/**
 * grad_theta f(x, pi_theta) for f = E_{d1, d2 ~ pi_theta} E_y[l], estimated on pairs drawn from
 * pi_theta (the log-probability trick; start and transition probabilities do not depend on theta):
 *   mean_m (l_m - b_m) * (grad_theta log P(d1) + grad_theta log P(d2)),
 * b_m the mean loss of the other pairs when `baseline` (as the SoBiRL exploration half).
 */
export function policyScoreGradient(pi: Float64Array, A: number, pairs: readonly ScoredPair[], baseline: boolean): Float64Array {
  const out = new Float64Array(pi.length);
  const M = pairs.length;
  if (M === 0) return out;
  const mean = pairs.reduce((t, p) => t + p.loss, 0) / M;
  const useBaseline = baseline && M > 1;
  const score = new Float64Array(pi.length);
  for (const p of pairs) {
    // (l - mean of the others) = M / (M - 1) * (l - batch mean).
    const w = (useBaseline ? (M / (M - 1)) * (p.loss - mean) : p.loss) / M;
    if (w === 0) continue;
    score.fill(0);
    softmaxSegmentScore(pi, A, p.first, score);
    softmaxSegmentScore(pi, A, p.second, score);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + w * score[i]!;
  }
  return out;
}
