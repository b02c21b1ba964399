/**
 * Exact tabular soft (entropy-regularised) RL: the lower level of the bilevel problem and the
 * implicit derivatives of its solution (docs/algorithms.md, "Soft optimality" and "Implicit
 * derivatives"). Plain Float64Array maths, no tfjs.
 *
 * Layouts (row-major): P[(s*A + a)*S + s'] = P(s'|s,a); r, Q, pi: [s*A + a]; V: [s];
 * gradients w.r.t. an n-vector x: [(s*A + a)*n + j] (SA x n) and [s*n + j] (S x n).
 */
import { luFactor, luSolve } from './linear-solve';
import { maxAbs } from './numeric';

export interface TabularMdp {
  S: number;
  A: number;
  /** P[(s*A + a)*S + s'] = P(s' | s, a); every row sums to 1. */
  P: Float64Array;
  /** Discount in [0, 1). */
  gamma: number;
  /** Entropy weight tau > 0. */
  tau: number;
}

/**
 * The nonzero entries of P by (s, a) row (compressed sparse rows). Transition matrices are
 * usually sparse (grid worlds: <= 5 successors), so sweeps cost O(nonzeros), not O(S^2 A).
 */
interface TransitionRows {
  start: Int32Array; // row sa spans [start[sa], start[sa + 1])
  next: Int32Array; // s'
  prob: Float64Array; // P(s' | s, a)
}

function transitionRows(mdp: TabularMdp): TransitionRows {
  const { S, A, P } = mdp;
  checkLength('P', P, S * A * S);
  let nonzeros = 0;
  for (let i = 0; i < P.length; i++) if (P[i] !== 0) nonzeros++;
  const start = new Int32Array(S * A + 1);
  const next = new Int32Array(nonzeros);
  const prob = new Float64Array(nonzeros);
  let k = 0;
  for (let sa = 0; sa < S * A; sa++) {
    start[sa] = k;
    for (let s2 = 0; s2 < S; s2++) {
      const p = P[sa * S + s2]!;
      if (p !== 0) { next[k] = s2; prob[k] = p; k++; }
    }
  }
  start[S * A] = k;
  return { start, next, prob };
}

function checkLength(name: string, v: ArrayLike<number>, expected: number): void {
  if (v.length !== expected) throw new Error(`${name} has length ${v.length}, expected ${expected}`);
}

/**
 * V(s) = tau * logsumexp_a(Q(s,a) / tau) and pi(a|s) = exp((Q(s,a) - V(s)) / tau), both stable:
 * with m = max_a Q(s,a), V = m + tau log sum_a e^{(Q - m)/tau} and pi = e^{(Q - m)/tau} / sum. Forming
 * pi from (Q - V) / tau instead would lose digits when |Q| / tau is large.
 */
export function policyFromQ(Q: Float64Array, S: number, A: number, tau: number): { V: Float64Array; pi: Float64Array } {
  checkLength('Q', Q, S * A);
  const V = new Float64Array(S);
  const pi = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    let m = -Infinity;
    for (let a = 0; a < A; a++) m = Math.max(m, Q[s * A + a]!);
    let total = 0;
    for (let a = 0; a < A; a++) {
      const e = Math.exp((Q[s * A + a]! - m) / tau);
      pi[s * A + a] = e;
      total += e;
    }
    for (let a = 0; a < A; a++) pi[s * A + a] = pi[s * A + a]! / total;
    V[s] = m + tau * Math.log(total);
  }
  return { V, pi };
}

function softValues(Q: Float64Array, S: number, A: number, tau: number): Float64Array {
  const V = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let m = -Infinity;
    for (let a = 0; a < A; a++) m = Math.max(m, Q[s * A + a]!);
    let total = 0;
    for (let a = 0; a < A; a++) total += Math.exp((Q[s * A + a]! - m) / tau);
    V[s] = m + tau * Math.log(total); // the same expression as policyFromQ's V
  }
  return V;
}

/** Q'(s,a) = r(s,a) + gamma * sum_s' P(s'|s,a) V(s'), written into `out`. */
function backup(rows: TransitionRows, r: Float64Array, gamma: number, V: Float64Array, out: Float64Array): void {
  const { start, next, prob } = rows;
  for (let sa = 0; sa < r.length; sa++) {
    let ev = 0;
    for (let k = start[sa]!; k < start[sa + 1]!; k++) ev += prob[k]! * V[next[k]!]!;
    out[sa] = r[sa]! + gamma * ev;
  }
}

/** One sweep of the soft Bellman operator: T(Q)(s,a) = r + gamma E_s'[tau logsumexp(Q(s',.)/tau)]. */
export function softBellman(mdp: TabularMdp, r: Float64Array, Q: Float64Array): Float64Array {
  checkLength('r', r, mdp.S * mdp.A);
  const out = new Float64Array(mdp.S * mdp.A);
  backup(transitionRows(mdp), r, mdp.gamma, softValues(Q, mdp.S, mdp.A, mdp.tau), out);
  return out;
}

export interface SoftViOptions {
  /** Warm start (M-SoBiRL keeps Q across outer iterations); zeros if absent. */
  Q0?: Float64Array;
  /** Exactly this many sweeps (M-SoBiRL's N). When absent, sweep until the residual < tol. */
  sweeps?: number;
  /** Stop when ||T(Q) - Q||_inf < tol (default 1e-12); ignored when `sweeps` is given. */
  tol?: number;
  /** Safety cap when sweeping to a tolerance (default 1,000,000). */
  maxSweeps?: number;
}

export interface SoftViResult {
  Q: Float64Array;
  V: Float64Array;
  pi: Float64Array;
  sweeps: number;
  /** ||Q_last - Q_before_last||_inf: the change made by the final sweep (0 when no sweep ran). */
  residual: number;
}

/**
 * Soft value iteration. T is a gamma-contraction in the sup norm, so from any start the error
 * after a sweep is at most residual * gamma / (1 - gamma). In tolerance mode it also stops once the
 * residual reaches the float64 rounding floor (16 ulp of max|Q|, or no progress in 50 sweeps): a
 * tolerance below that floor cannot be met by any number of sweeps (`tol: 0` asks for the floor).
 */
export function softValueIteration(mdp: TabularMdp, r: Float64Array, opts: SoftViOptions = {}): SoftViResult {
  const { S, A, gamma, tau } = mdp;
  if (!(tau > 0)) throw new Error(`softValueIteration: tau must be > 0, got ${tau}`);
  if (!(gamma >= 0 && gamma < 1)) throw new Error(`softValueIteration: gamma must be in [0, 1), got ${gamma}`);
  checkLength('r', r, S * A);
  if (opts.Q0) checkLength('Q0', opts.Q0, S * A);
  if (opts.sweeps !== undefined && !(Number.isInteger(opts.sweeps) && opts.sweeps >= 0)) {
    throw new Error(`softValueIteration: sweeps must be a non-negative integer, got ${opts.sweeps}`);
  }
  const rows = transitionRows(mdp);
  let Q = opts.Q0 ? new Float64Array(opts.Q0) : new Float64Array(S * A);
  let nextQ = new Float64Array(S * A);
  const tol = opts.tol ?? 1e-12;
  const maxSweeps = opts.sweeps ?? opts.maxSweeps ?? 1_000_000;
  let residual = 0;
  let sweeps = 0;
  let best = Infinity, sinceBest = 0;
  while (sweeps < maxSweeps) {
    backup(rows, r, gamma, softValues(Q, S, A, tau), nextQ);
    residual = 0;
    for (let i = 0; i < Q.length; i++) residual = Math.max(residual, Math.abs(nextQ[i]! - Q[i]!));
    [Q, nextQ] = [nextQ, Q];
    sweeps++;
    if (opts.sweeps !== undefined) continue;
    if (residual < tol || residual <= 16 * Number.EPSILON * Math.max(1, maxAbs(Q))) break;
    // In exact arithmetic the residual shrinks by gamma every sweep; 50 sweeps without a new
    // minimum means it is stuck at the rounding floor.
    if (residual < best) { best = residual; sinceBest = 0; } else if (++sinceBest >= 50) break;
  }
  const { V, pi } = policyFromQ(Q, S, A, tau);
  return { Q, V, pi, sweeps, residual };
}

/** P^pi[s, s'] = sum_a pi(a|s) P(s'|s,a), S x S. */
export function policyStateTransitions(mdp: TabularMdp, pi: Float64Array): Float64Array {
  const { S, A, P } = mdp;
  checkLength('P', P, S * A * S);
  checkLength('pi', pi, S * A);
  const out = new Float64Array(S * S);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const w = pi[s * A + a]!;
      if (w === 0) continue;
      const row = (s * A + a) * S;
      for (let s2 = 0; s2 < S; s2++) out[s * S + s2] = out[s * S + s2]! + w * P[row + s2]!;
    }
  }
  return out;
}

/** I - gamma P^pi, or its transpose. */
export function discountedResolventMatrix(mdp: TabularMdp, pi: Float64Array, transpose: boolean): Float64Array {
  const { S, gamma } = mdp;
  const Ppi = policyStateTransitions(mdp, pi);
  const m = new Float64Array(S * S);
  for (let i = 0; i < S; i++) {
    for (let j = 0; j < S; j++) m[i * S + j] = (i === j ? 1 : 0) - gamma * Ppi[transpose ? j * S + i : i * S + j]!;
  }
  return m;
}

/** sum_a pi(a|s) values[(s*A + a)*k + c], an S x k matrix (k = 1 for a vector). */
function policyAverage(pi: Float64Array, values: Float64Array, S: number, A: number, k: number): Float64Array {
  const out = new Float64Array(S * k);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const w = pi[s * A + a]!;
      if (w === 0) continue;
      const row = (s * A + a) * k;
      for (let c = 0; c < k; c++) out[s * k + c] = out[s * k + c]! + w * values[row + c]!;
    }
  }
  return out;
}

/**
 * Exact values of a fixed policy under `reward` (no entropy): V^pi = (I - gamma P^pi)^-1 r_pi and
 * Q^pi = reward + gamma P V^pi.
 */
export function policyValues(mdp: TabularMdp, pi: Float64Array, reward: Float64Array): { V: Float64Array; Q: Float64Array } {
  const { S, A } = mdp;
  checkLength('reward', reward, S * A);
  const V = luSolve(luFactor(discountedResolventMatrix(mdp, pi, false), S), policyAverage(pi, reward, S, A, 1));
  const Q = new Float64Array(S * A);
  backup(transitionRows(mdp), reward, mdp.gamma, V, Q);
  return { V, Q };
}

/** Discounted state occupancy d = rho^T (I - gamma P^pi)^-1 (unnormalised: sums to 1 / (1 - gamma)). */
export function occupancy(mdp: TabularMdp, pi: Float64Array, rho: Float64Array): Float64Array {
  checkLength('rho', rho, mdp.S);
  return luSolve(luFactor(discountedResolventMatrix(mdp, pi, true), mdp.S), rho);
}

/** Exact expected discounted return of pi under `reward` from s_0 ~ rho (no entropy term). */
export function evaluatePolicy(mdp: TabularMdp, pi: Float64Array, reward: Float64Array, rho: Float64Array): number {
  const { S, A } = mdp;
  checkLength('reward', reward, S * A);
  const d = occupancy(mdp, pi, rho);
  const rPi = policyAverage(pi, reward, S, A, 1);
  let total = 0;
  for (let s = 0; s < S; s++) total += d[s]! * rPi[s]!;
  return total;
}

/**
 * Implicit derivatives of the soft-optimal Q*, V* w.r.t. x, given grad r (SA x n) at x and the
 * soft-optimal pi = pi*(x). Differentiating V = tau logsumexp(Q / tau) gives dV_s = sum_a pi_sa dQ_sa,
 * and Q = r + gamma P V gives
 *   grad V* = (I - gamma P^pi)^-1 sum_a pi_sa grad r_sa     (S x n)
 *   grad Q* = grad r + gamma P grad V*                      (SA x n)
 * Equivalently the discounted sums of grad r along trajectories of pi (docs/algorithms.md, model-free form).
 */
export function implicitGradients(
  mdp: TabularMdp,
  pi: Float64Array,
  gradR: Float64Array,
  n: number,
): { gradQ: Float64Array; gradV: Float64Array } {
  const { S, A, gamma } = mdp;
  checkLength('pi', pi, S * A);
  checkLength('gradR', gradR, S * A * n);
  const gradV = luSolve(luFactor(discountedResolventMatrix(mdp, pi, false), S), policyAverage(pi, gradR, S, A, n), n);
  const gradQ = new Float64Array(gradR);
  const { start, next, prob } = transitionRows(mdp);
  for (let sa = 0; sa < S * A; sa++) {
    for (let k = start[sa]!; k < start[sa + 1]!; k++) {
      const w = gamma * prob[k]!;
      const from = next[k]! * n;
      for (let j = 0; j < n; j++) gradQ[sa * n + j] = gradQ[sa * n + j]! + w * gradV[from + j]!;
    }
  }
  return { gradQ, gradV };
}

/**
 * grad pi* = tau^-1 diag(pi) (grad Q - E grad V)  (SA x n), from pi = exp((Q - V) / tau).
 * Each state's rows sum to zero: probabilities stay normalised.
 */
export function policyGradient(mdp: TabularMdp, pi: Float64Array, gradQ: Float64Array, gradV: Float64Array, n: number): Float64Array {
  const { S, A, tau } = mdp;
  checkLength('gradQ', gradQ, S * A * n);
  checkLength('gradV', gradV, S * n);
  const out = new Float64Array(S * A * n);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const sa = s * A + a;
      const w = pi[sa]! / tau;
      for (let j = 0; j < n; j++) out[sa * n + j] = w * (gradQ[sa * n + j]! - gradV[s * n + j]!);
    }
  }
  return out;
}
