/**
 * M-SoBiRL: model-based SoBiRL for tabular MDPs (docs/algorithms.md, "Hyper-gradient, model-based form").
 *
 * Bilevel problem: min_x phi(x) = f(x, pi*(x)), pi*(x) the soft-optimal policy of the MDP with
 * reward r_x. The exact hyper-gradient needs (I - gamma P^pi)^-1; M-SoBiRL never inverts it. It
 * keeps w_k ~ A_k^-1 b_k with one least-squares gradient step per outer iteration and N
 * warm-started soft Bellman sweeps instead of an exact lower-level solve:
 *
 *   A_k = (I - gamma P^{pi_k})^T,   b_k = U^T diag(pi_k) grad_pi f(x_k, pi_k),   U = E - gamma P
 *   w_k     = w_{k-1} - xi * (A_k^T A_k w_{k-1} - A_k^T b_k)
 *   h_k     = grad_x f + tau^-1 grad r^T diag(pi_k) grad_pi f - tau^-1 grad_x varphi(x_k, V_k)^T w_k
 *   x_{k+1} = x_k - beta * h_k
 *   Q_{k+1} = T^N Q_k under r(x_{k+1});   pi_{k+1} = softmax(Q_{k+1} / tau)
 * with grad_x varphi(x, V)_s = sum_a pi_sa grad r_sa. With pi_k = pi*(x_k) and w_k = A_k^-1 b_k,
 * h_k is exactly grad phi(x_k) (tested).
 *
 * Generic over the reward model (any differentiable r_x, not only linear) and over the upper level
 * (anything that gives grad_x f and grad_pi f), so the RLHF loop can plug in a preference loss.
 */
import { luFactor, luSolve } from '../tabular/linear-solve';
import { discountedResolventMatrix, policyStateTransitions, softValueIteration, type TabularMdp } from '../tabular/soft';

export interface MSobirlConfig {
  /** Upper-level step size on x (the paper's beta). */
  beta: number;
  /** Step size of the least-squares update of w, capped per step at 1.9 / lambda_max(A^T A)
   *  (updateW): above 2 / lambda_max the update diverges. (1 + gamma)^2 bounds lambda_max only when
   *  P^pi is doubly stochastic; a policy that funnels many states into one (a goal cell) has
   *  column sums of P^pi well above 1 and lambda_max above it (grid5: 4.1 at gamma 0.9). */
  xi: number;
  /** Soft Bellman sweeps per outer iteration, warm-started from the previous Q (the paper's N). */
  innerSweeps: number;
  /** Outer iterations for runMSobirl (the paper's K). */
  iterations: number;
  /** Record metrics every this many iterations (and at the first and last). */
  logEvery: number;
  /** Clip ||h_k|| to this before the x step (Infinity = never). A safeguard for noisy, sampled
   *  upper levels (the RLHF loop); the exact synthetic problem needs none. */
  clipNorm?: number;
}

/** The authors' settings for their synthetic problem. */
export const DEFAULT_M_SOBIRL: MSobirlConfig = { beta: 8e-3, xi: 0.5, innerSweeps: 10, iterations: 3000, logEvery: 100 };

/** r_x(s, a) and its Jacobian. Layouts: reward [s*A + a], jacobian [(s*A + a)*n + j]. */
export interface RewardModel {
  n: number;
  reward(x: Float64Array): Float64Array;
  jacobian(x: Float64Array): Float64Array;
}

/** The upper-level objective f(x, pi): partial gradients (and optionally its value, for logs). */
export interface UpperLevel {
  /** grad_x f(x, pi), length n. */
  gradX(x: Float64Array, pi: Float64Array): Float64Array;
  /** grad_pi f(x, pi), length S*A (pi's entries as free variables). */
  gradPi(x: Float64Array, pi: Float64Array): Float64Array;
  value?(x: Float64Array, pi: Float64Array): number;
}

export interface MSobirlProblem {
  mdp: TabularMdp;
  model: RewardModel;
  upper: UpperLevel;
}

export interface MSobirlState {
  /** Outer iteration index k. */
  k: number;
  x: Float64Array;
  /** Lower-level iterate Q_k (not converged: N sweeps per outer step) and its V_k, pi_k. */
  Q: Float64Array;
  V: Float64Array;
  pi: Float64Array;
  /** w_{k-1}: the running approximation of A^-1 b (length S). */
  w: Float64Array;
}

export interface MSobirlStepInfo {
  k: number;
  /** ||h_k||, the hyper-gradient estimate's norm. */
  hypergradNorm: number;
  /** f(x_k, pi_k) when the upper level provides a value. */
  f: number | undefined;
}

/** Start at x0 with w = 0 and Q from N sweeps (from Q = 0) under r(x0). */
export function initMSobirl(problem: MSobirlProblem, x0: Float64Array, config: MSobirlConfig): MSobirlState {
  const { mdp, model } = problem;
  if (x0.length !== model.n) throw new Error(`x0 has ${x0.length} entries, the reward model expects n = ${model.n}`);
  const { Q, V, pi } = softValueIteration(mdp, model.reward(x0), { sweeps: config.innerSweeps });
  return { k: 0, x: new Float64Array(x0), Q, V, pi, w: new Float64Array(mdp.S) };
}

/** b = U^T diag(pi) g, i.e. b_s = sum_a pi_sa g_sa - gamma sum_{s',a} P(s|s',a) pi_{s'a} g_{s'a}. */
export function rightHandSide(mdp: TabularMdp, pi: Float64Array, gradPiF: Float64Array): Float64Array {
  const { S, A, P, gamma } = mdp;
  const b = new Float64Array(S);
  for (let sa = 0; sa < S * A; sa++) {
    const u = pi[sa]! * gradPiF[sa]!;
    if (u === 0) continue;
    const s = Math.floor(sa / A);
    b[s] = b[s]! + u;
    for (let s2 = 0; s2 < S; s2++) b[s2] = b[s2]! - gamma * P[sa * S + s2]! * u;
  }
  return b;
}

/** A = (I - gamma P^pi)^T applied to v: (A v)_i = v_i - gamma sum_j P^pi[j, i] v_j; transpose: A^T v. */
function applyA(Ppi: Float64Array, gamma: number, v: Float64Array, transpose: boolean): Float64Array {
  const S = v.length;
  const out = new Float64Array(v);
  for (let i = 0; i < S; i++) {
    for (let j = 0; j < S; j++) {
      const p = transpose ? Ppi[i * S + j]! : Ppi[j * S + i]!;
      out[i] = out[i]! - gamma * p * v[j]!;
    }
  }
  return out;
}

/** The exact solve A^-1 b that w tracks (tests and diagnostics; M-SoBiRL itself never calls it). */
export function exactW(mdp: TabularMdp, pi: Float64Array, gradPiF: Float64Array): Float64Array {
  // A = (I - gamma P^pi)^T.
  return luSolve(luFactor(discountedResolventMatrix(mdp, pi, true), mdp.S), rightHandSide(mdp, pi, gradPiF));
}

/**
 * lambda_max(A^T A) = sigma_max(A)^2 by power iteration on A^T A from the all-ones vector (A^T A is
 * symmetric positive definite: the Rayleigh quotients rise monotonically to lambda_max), until
 * they change by less than 1e-6 relative, at most `maxIterations` (S^2 work each).
 */
export function topEigenvalueOfNormalMatrix(Ppi: Float64Array, gamma: number, S: number, maxIterations = 200): number {
  let v: Float64Array = new Float64Array(S).fill(1 / Math.sqrt(S));
  let lambda = 0;
  for (let it = 0; it < maxIterations; it++) {
    const u = applyA(Ppi, gamma, applyA(Ppi, gamma, v, false), true);
    let uv = 0, uu = 0;
    for (let i = 0; i < S; i++) { uv += u[i]! * v[i]!; uu += u[i]! * u[i]!; }
    const converged = Math.abs(uv - lambda) <= 1e-6 * uv;
    lambda = uv; // the Rayleigh quotient v^T (A^T A) v of the unit vector v
    if (converged || uu === 0) break;
    const scale = 1 / Math.sqrt(uu);
    v = u.map((x) => x * scale);
  }
  return lambda;
}

/** The step size updateW uses: xi, capped at 1.9 / lambda_max(A^T A) (5% inside the 2 / lambda_max stability limit). */
export function stableXi(Ppi: Float64Array, gamma: number, S: number, xi: number): number {
  return Math.min(xi, 1.9 / topEigenvalueOfNormalMatrix(Ppi, gamma, S));
}

/** One least-squares gradient step on 1/2 ||A w - b||^2: w - xi' A^T (A w - b), xi' = stableXi(xi). */
export function updateW(mdp: TabularMdp, pi: Float64Array, gradPiF: Float64Array, w: Float64Array, xi: number): Float64Array {
  const Ppi = policyStateTransitions(mdp, pi);
  const b = rightHandSide(mdp, pi, gradPiF);
  const residual = applyA(Ppi, mdp.gamma, w, false);
  for (let i = 0; i < residual.length; i++) residual[i] = residual[i]! - b[i]!;
  const step = applyA(Ppi, mdp.gamma, residual, true);
  const xiStable = stableXi(Ppi, mdp.gamma, mdp.S, xi);
  return w.map((v, i) => v - xiStable * step[i]!);
}

/**
 * h = grad_x f + tau^-1 grad r^T diag(pi) grad_pi f - tau^-1 grad_x varphi^T w,
 * grad_x varphi_s = sum_a pi_sa grad r_sa. (grad r^T diag(pi) g and varphi^T w combine per (s, a).)
 */
export function hypergradientDirection(
  problem: MSobirlProblem,
  x: Float64Array,
  pi: Float64Array,
  gradPiF: Float64Array,
  w: Float64Array,
): Float64Array {
  const { mdp, model, upper } = problem;
  const { S, A, tau } = mdp;
  const n = model.n;
  const gradR = model.jacobian(x);
  const h = new Float64Array(upper.gradX(x, pi));
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const sa = s * A + a;
      const coef = (pi[sa]! * (gradPiF[sa]! - w[s]!)) / tau;
      if (coef === 0) continue;
      for (let j = 0; j < n; j++) h[j] = h[j]! + coef * gradR[sa * n + j]!;
    }
  }
  return h;
}

/** One outer iteration: w update, x step, N warm-started sweeps. Returns the new state (inputs untouched). */
export function mSobirlStep(state: MSobirlState, problem: MSobirlProblem, config: MSobirlConfig): { state: MSobirlState; info: MSobirlStepInfo } {
  const { mdp, model, upper } = problem;
  const { x, pi } = state;
  const f = upper.value?.(x, pi);
  const gradPiF = upper.gradPi(x, pi);

  // w_k: one gradient step towards A_k^-1 b_k (never a matrix inverse).
  const w = updateW(mdp, pi, gradPiF, state.w, config.xi);

  // x_{k+1} = x_k - beta h_k.
  const h = hypergradientDirection(problem, x, pi, gradPiF, w);
  let hNorm = 0;
  for (let j = 0; j < h.length; j++) hNorm += h[j]! * h[j]!;
  hNorm = Math.sqrt(hNorm);
  const clip = config.clipNorm !== undefined && hNorm > config.clipNorm ? config.clipNorm / hNorm : 1;
  const nextX = x.map((v, j) => v - config.beta * clip * h[j]!);

  // Q_{k+1} = T^N Q_k under the new reward: O(1) sweeps, warm-started (a CRUCIAL saving: no exact solve).
  const { Q, V, pi: nextPi } = softValueIteration(mdp, model.reward(nextX), { Q0: state.Q, sweeps: config.innerSweeps });

  return {
    state: { k: state.k + 1, x: nextX, Q, V, pi: nextPi, w },
    info: { k: state.k, hypergradNorm: hNorm, f },
  };
}

export interface MSobirlRun {
  state: MSobirlState;
  /** Metrics every config.logEvery iterations, plus the first and the last. */
  history: MSobirlStepInfo[];
}

/** K outer iterations from x0; `onLog` sees the same records as `history`. */
export function runMSobirl(
  problem: MSobirlProblem,
  x0: Float64Array,
  config: MSobirlConfig = DEFAULT_M_SOBIRL,
  onLog?: (info: MSobirlStepInfo) => void,
): MSobirlRun {
  let state = initMSobirl(problem, x0, config);
  const history: MSobirlStepInfo[] = [];
  for (let k = 0; k < config.iterations; k++) {
    const step = mSobirlStep(state, problem, config);
    state = step.state;
    if (k % config.logEvery === 0 || k === config.iterations - 1) {
      history.push(step.info);
      onLog?.(step.info);
    }
  }
  return { state, history };
}
