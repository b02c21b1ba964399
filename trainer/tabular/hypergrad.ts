/**
 * phi(x) = f(x, pi*(x)) and its exact gradient for the two upper levels of `sobirl hypergrad`
 * (issue 2), plus the model-free SoBiRL estimator with exact G (docs/algorithms.md, option 1).
 *
 * r_x = features . x is linear, so grad r = features (SA x n). pi*(x) = exp((Q* - V*) / tau), hence
 *   d log pi*(a|s) / dx = (grad Q*_sa - grad V*_s) / tau        (the "score" of one step)
 * and grad phi = grad_x f + (grad pi*)^T grad_pi f (docs/algorithms.md, model-based form).
 */
import { makeRng, type Rng } from '../core/rng';
import { bradleyTerry, bradleyTerryGrad, sigmoid } from './numeric';
import type { PreferenceUpper, ReturnUpper, TabularProblem } from './problem';
import { enumerateSegments, ProblemTooLargeError } from './segments';
import { implicitGradients, occupancy, policyValues, softValueIteration, type SoftViResult, type TabularMdp } from './soft';

export { ProblemTooLargeError, MAX_SEGMENT_CANDIDATES } from './segments';

/**
 * The exact pairwise sum runs over groups of segments; past this many pair evaluations
 * (G (G - 1) / 2; ~40 ns each, so ~8 s on an idle core) it refuses rather than run for minutes.
 */
export const MAX_PAIR_EVALUATIONS = 2e8;

export interface Hypergradient {
  phi: number;
  grad: Float64Array;
}

/** r_x[sa] = features[sa, :] . x. */
export function linearReward(features: Float64Array, x: Float64Array, SA: number, n: number): Float64Array {
  const r = new Float64Array(SA);
  for (let sa = 0; sa < SA; sa++) {
    let v = 0;
    for (let j = 0; j < n; j++) v += features[sa * n + j]! * x[j]!;
    r[sa] = v;
  }
  return r;
}

/** The soft-optimal lower level at x, solved to the float64 floor. */
export function solveLowerLevel(problem: TabularProblem, x: Float64Array = problem.x): SoftViResult {
  const { mdp, features, n } = problem;
  if (x.length !== n) throw new Error(`x has ${x.length} entries, expected n = ${n}`);
  return softValueIteration(mdp, linearReward(features, x, mdp.S * mdp.A, n), { tol: 0 });
}

/** Score rows: scores[sa*n + j] = d log pi*(a|s) / dx_j = (grad Q*_sa - grad V*_s)_j / tau. */
export function logPolicyScores(mdp: TabularMdp, pi: Float64Array, features: Float64Array, n: number): Float64Array {
  const { S, A, tau } = mdp;
  const { gradQ, gradV } = implicitGradients(mdp, pi, features, n);
  const scores = new Float64Array(S * A * n);
  for (let sa = 0; sa < S * A; sa++) {
    const s = Math.floor(sa / A);
    for (let j = 0; j < n; j++) scores[sa * n + j] = (gradQ[sa * n + j]! - gradV[s * n + j]!) / tau;
  }
  return scores;
}

/** sum_sa weights[sa] * rows[sa, :] (an n-vector). */
function weightedRowSum(rows: Float64Array, weights: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let sa = 0; sa < weights.length; sa++) {
    const w = weights[sa]!;
    if (w === 0) continue;
    for (let j = 0; j < n; j++) out[j] = out[j]! + w * rows[sa * n + j]!;
  }
  return out;
}

/**
 * kind "return": f(x, pi) = -J(pi) + l2/2 ||x||^2, J = rho^T V^pi under trueReward (no entropy).
 * Policy gradient theorem with pi's entries as free variables: dJ/dpi_sa = d(s) Q^pi_true(s, a), with
 * d = rho^T (I - gamma P^pi)^-1 the discounted occupancy. Then
 *   grad phi = l2 x - sum_sa (grad pi*_sa) d(s) Q^pi_true(s,a),   grad pi*_sa = pi_sa * score_sa.
 */
function returnHypergradient(problem: TabularProblem, upper: ReturnUpper, x: Float64Array, pi: Float64Array): Hypergradient {
  const { mdp, features, n, rho } = problem;
  const { S, A } = mdp;
  const { V, Q: trueQ } = policyValues(mdp, pi, upper.trueReward);
  const d = occupancy(mdp, pi, rho);
  let J = 0;
  for (let s = 0; s < S; s++) J += rho[s]! * V[s]!;
  let xx = 0;
  for (let j = 0; j < n; j++) xx += x[j]! * x[j]!;

  const weights = new Float64Array(S * A); // pi_sa * grad_pi f(sa)
  for (let sa = 0; sa < S * A; sa++) weights[sa] = -pi[sa]! * d[Math.floor(sa / A)]! * trueQ[sa]!;
  const grad = weightedRowSum(logPolicyScores(mdp, pi, features, n), weights, n);
  for (let j = 0; j < n; j++) grad[j] = grad[j]! + upper.l2 * x[j]!;
  return { phi: -J + (upper.l2 / 2) * xx, grad };
}

/**
 * kind "preference": phi = sum_{d1,d2} P(d1) P(d2) L(d1, d2), with the label averaged out
 * analytically: L = E_y l_h = bradleyTerry(delta, p), delta = R_x(d1) - R_x(d2),
 * p = sig(beta (Rbar(d1) - Rbar(d2))) (l_h is linear in y). Differentiating,
 *   grad phi = sum P1 P2 [ L'(delta) (F(d1) - F(d2)) + L (grad log P(d1) + grad log P(d2)) ]
 * with F(d) = sum_h features(s_h, a_h) and grad log P(d) = sum_h score(s_h, a_h). L is symmetric
 * under swapping d1, d2 and L' antisymmetric, so both halves fold into 2 sum_d P(d) [c_g F(d) + e_g
 * grad log P(d)] with per-group scalars c_g = sum_g' w_g' L'(g, g'), e_g = sum_g' w_g' L(g, g').
 */
function preferenceHypergradient(problem: TabularProblem, upper: PreferenceUpper, x: Float64Array, pi: Float64Array): Hypergradient {
  const { mdp, features, n, rho } = problem;
  const { S, A } = mdp;
  const reward = linearReward(features, x, S * A, n);
  const seg = enumerateSegments(mdp, pi, rho, reward, upper.trueReward, upper.horizon);
  const G = seg.groupProb.length;
  if ((G * (G - 1)) / 2 > MAX_PAIR_EVALUATIONS) {
    throw new ProblemTooLargeError(
      `upper.horizon: ${seg.count} segments fall into ${G} distinct (R_x, Rbar) groups; the exact pair sum would need ` +
        `${((G * (G - 1)) / 2).toExponential(2)} evaluations (limit ${MAX_PAIR_EVALUATIONS.toExponential(0)}); use a shorter horizon`,
    );
  }
  const { groupProb: w, groupReward: rx, groupTrueReward: rbar } = seg;
  const c = new Float64Array(G), e = new Float64Array(G);
  let phi = 0;
  const LN2 = Math.LN2; // delta = 0 and p = 1/2 on the diagonal
  for (let g = 0; g < G; g++) {
    const wg = w[g]!;
    phi += wg * wg * LN2;
    e[g] = e[g]! + wg * LN2;
    for (let h = g + 1; h < G; h++) {
      const wh = w[h]!;
      // bradleyTerry / bradleyTerryGrad inlined around one shared exp(-|delta|): this loop runs
      // G^2 / 2 times and dominates the cost.
      const delta = rx[g]! - rx[h]!;
      const p = sigmoid(upper.beta * (rbar[g]! - rbar[h]!));
      const t = Math.exp(-Math.abs(delta));
      const loss = Math.max(delta, 0) + Math.log1p(t) - p * delta;
      const slope = (delta >= 0 ? 1 / (1 + t) : t / (1 + t)) - p;
      phi += 2 * wg * wh * loss;
      e[g] = e[g]! + wh * loss;
      e[h] = e[h]! + wg * loss;
      c[g] = c[g]! + wh * slope;
      c[h] = c[h]! - wg * slope;
    }
  }
  // Per-(s, a) weights: every visit of sa by segment d adds 2 P(d) c_g to F and 2 P(d) e_g to the score.
  const featureWeights = new Float64Array(S * A), scoreWeights = new Float64Array(S * A);
  for (let i = 0; i < seg.count; i++) {
    const g = seg.group[i]!;
    const q = 2 * seg.prob[i]!;
    for (let h = 0; h < seg.H; h++) {
      const sa = seg.sa[i * seg.H + h]!;
      featureWeights[sa] = featureWeights[sa]! + q * c[g]!;
      scoreWeights[sa] = scoreWeights[sa]! + q * e[g]!;
    }
  }
  const grad = weightedRowSum(features, featureWeights, n);
  const explore = weightedRowSum(logPolicyScores(mdp, pi, features, n), scoreWeights, n);
  for (let j = 0; j < n; j++) grad[j] = grad[j]! + explore[j]!;
  return { phi, grad };
}

/** phi(x) and its exact gradient (x defaults to the problem's x). */
export function exactHypergradient(problem: TabularProblem, x: Float64Array = problem.x): Hypergradient {
  const { pi } = solveLowerLevel(problem, x);
  return problem.upper.kind === 'return'
    ? returnHypergradient(problem, problem.upper, x, pi)
    : preferenceHypergradient(problem, problem.upper, x, pi);
}

export interface SobirlEstimatorOptions {
  /** Number of sampled pairs N. */
  samples: number;
  seed: number;
  /**
   * Subtract a baseline from the loss in the exploration term. Sample m uses the mean loss of the
   * OTHER samples (leave-one-out: the batch mean rescaled by N / (N - 1)), which is independent of
   * sample m, so E[(l_m - b_m) grad log P_m] = E[l grad log P] exactly.
   */
  baseline?: boolean;
}

export interface SobirlEstimate {
  /** Mean over the N samples of grad_x l + (l - b) * sum_i sum_h score(s_h^i, a_h^i). */
  estimate: Float64Array;
  /** Per-coordinate standard error of that mean (sample std / sqrt(N)). */
  stdErr: Float64Array;
  /** Mean sampled loss (an unbiased estimate of phi). */
  meanLoss: number;
  samples: number;
}

interface SampledSegment {
  reward: number;
  trueReward: number;
  /** F(d) = sum_h features(s_h, a_h). */
  features: Float64Array;
  /** grad log P(d) = sum_h score(s_h, a_h). */
  score: Float64Array;
}

function sampleSegment(problem: TabularProblem, upper: PreferenceUpper, pi: Float64Array, reward: Float64Array, scores: Float64Array, rng: Rng): SampledSegment {
  const { mdp, features, n, rho } = problem;
  const { S, A, P } = mdp;
  const out: SampledSegment = { reward: 0, trueReward: 0, features: new Float64Array(n), score: new Float64Array(n) };
  let s = rng.categorical(rho);
  for (let h = 0; h < upper.horizon; h++) {
    const sa = s * A + rng.categorical(pi.subarray(s * A, s * A + A));
    out.reward += reward[sa]!;
    out.trueReward += upper.trueReward[sa]!;
    for (let j = 0; j < n; j++) {
      out.features[j] = out.features[j]! + features[sa * n + j]!;
      out.score[j] = out.score[j]! + scores[sa * n + j]!;
    }
    if (h < upper.horizon - 1) s = rng.categorical(P.subarray(sa * S, sa * S + S));
  }
  return out;
}

/** One labelled pair: its hard-label loss and the two halves of its estimator term. */
function samplePair(problem: TabularProblem, upper: PreferenceUpper, pi: Float64Array, reward: Float64Array, scores: Float64Array, rng: Rng) {
  const d1 = sampleSegment(problem, upper, pi, reward, scores, rng);
  const d2 = sampleSegment(problem, upper, pi, reward, scores, rng);
  const y = rng.next() < sigmoid(upper.beta * (d1.trueReward - d2.trueReward)) ? 1 : 0;
  const delta = d1.reward - d2.reward;
  return { d1, d2, loss: bradleyTerry(delta, y), slope: bradleyTerryGrad(delta, y) };
}

/**
 * Model-free SoBiRL estimator of grad phi for kind "preference" (docs/algorithms.md, model-free form):
 *   mean_m [ grad_x l_m + (l_m - b_m) * sum_i sum_h (grad Q* - grad V*)(s_h^i, a_h^i) / tau ]
 * over N pairs drawn from pi*(x) with y ~ Bernoulli(sig(beta (Rbar1 - Rbar2))). G is exact (option 1).
 */
export function sobirlEstimate(problem: TabularProblem, opts: SobirlEstimatorOptions, x: Float64Array = problem.x): SobirlEstimate {
  const upper = problem.upper;
  if (upper.kind !== 'preference') {
    throw new Error('the sobirl estimator samples labelled pairs: it needs upper.kind "preference"');
  }
  const N = opts.samples;
  if (!(Number.isInteger(N) && N >= 1)) throw new Error(`samples must be an integer >= 1, got ${N}`);
  const { mdp, features, n } = problem;
  const { pi } = solveLowerLevel(problem, x);
  const reward = linearReward(features, x, mdp.S * mdp.A, n);
  const scores = logPolicyScores(mdp, pi, features, n);

  // With a baseline, a first pass over the same seeded stream gives the total loss.
  let totalLoss = 0;
  if (opts.baseline && N > 1) {
    const rng = makeRng(opts.seed);
    for (let m = 0; m < N; m++) totalLoss += samplePair(problem, upper, pi, reward, scores, rng).loss;
  }
  const rng = makeRng(opts.seed);
  const mean = new Float64Array(n), m2 = new Float64Array(n), g = new Float64Array(n);
  let lossSum = 0;
  for (let m = 0; m < N; m++) {
    const { d1, d2, loss, slope } = samplePair(problem, upper, pi, reward, scores, rng);
    lossSum += loss;
    const b = opts.baseline && N > 1 ? (totalLoss - loss) / (N - 1) : 0;
    for (let j = 0; j < n; j++) {
      g[j] = slope * (d1.features[j]! - d2.features[j]!) + (loss - b) * (d1.score[j]! + d2.score[j]!);
      // Welford's running mean and sum of squared deviations (stable for large N).
      const dev = g[j]! - mean[j]!;
      mean[j] = mean[j]! + dev / (m + 1);
      m2[j] = m2[j]! + dev * (g[j]! - mean[j]!);
    }
  }
  const stdErr = new Float64Array(n);
  for (let j = 0; j < n; j++) stdErr[j] = N > 1 ? Math.sqrt(m2[j]! / (N - 1) / N) : Infinity;
  return { estimate: mean, stdErr, meanLoss: lossSum / N, samples: N };
}
