import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { exactHypergradient, linearReward, solveLowerLevel } from '../tabular/hypergrad';
import type { ReturnUpper, TabularProblem } from '../tabular/problem';
import { randomProblem } from '../tabular/random-problem';
import { occupancy, policyStateTransitions, policyValues, softValueIteration, type TabularMdp } from '../tabular/soft';
import {
  DEFAULT_M_SOBIRL, exactW, hypergradientDirection, initMSobirl, mSobirlStep, runMSobirl, topEigenvalueOfNormalMatrix, updateW,
  type MSobirlConfig, type MSobirlProblem, type MSobirlState,
} from './m-sobirl';

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((t, x) => t + x * x, 0));
const distance = (a: ArrayLike<number>, b: ArrayLike<number>) => norm(Array.from(a, (v, i) => v - b[i]!));

/** The "return" upper level of a tabular problem, written against M-SoBiRL's interfaces. */
function returnProblem(p: TabularProblem): MSobirlProblem {
  const upper = p.upper as ReturnUpper;
  const SA = p.mdp.S * p.mdp.A;
  return {
    mdp: p.mdp,
    model: { n: p.n, reward: (x) => linearReward(p.features, x, SA, p.n), jacobian: () => p.features },
    upper: {
      gradX: (x) => x.map((v) => upper.l2 * v),
      // dJ/dpi_sa = d(s) Q^pi(s, a) (policy gradient theorem); f = -J + ...
      gradPi: (_x, pi) => {
        const d = occupancy(p.mdp, pi, p.rho);
        const { Q } = policyValues(p.mdp, pi, upper.trueReward);
        return Q.map((q, sa) => -d[Math.floor(sa / p.mdp.A)]! * q);
      },
    },
  };
}

describe('M-SoBiRL building blocks', () => {
  it('with pi = pi*(x) and w = A^-1 b, the direction h is exactly grad phi', () => {
    for (const seed of [1, 2, 3]) {
      const p = randomProblem({ seed, S: 6, A: 3, n: 4, kind: 'return', gamma: 0.85, tau: 0.4, l2: 0.05 });
      const problem = returnProblem(p);
      const { pi } = solveLowerLevel(p);
      const gradPiF = problem.upper.gradPi(p.x, pi);
      const h = hypergradientDirection(problem, p.x, pi, gradPiF, exactW(p.mdp, pi, gradPiF));
      const exact = exactHypergradient(p).grad; // itself checked against finite differences
      expect(distance(h, exact) / norm(exact)).toBeLessThan(1e-10);
    }
  });

  it('w_k tracks the exact solve A^-1 b: with x fixed the error shrinks geometrically', () => {
    // The contraction factor per step is 1 - xi * sigma_min(A)^2 >= 1 - xi (1 - gamma)^2: fast at
    // gamma = 0.5 (the synthetic problem's), slow near 1 (gamma = 0.9: up to 0.995 per step).
    const p = randomProblem({ seed: 4, S: 8, A: 3, n: 3, kind: 'return', gamma: 0.5, tau: 0.5 });
    const problem = returnProblem(p);
    const config: MSobirlConfig = { ...DEFAULT_M_SOBIRL, beta: 0, innerSweeps: 5 }; // beta = 0: x stays put
    const exact = solveLowerLevel(p);
    let state: MSobirlState = { ...initMSobirl(problem, p.x, config), Q: exact.Q, V: exact.V, pi: exact.pi }; // start at the exact pi*
    const target = exactW(p.mdp, state.pi, problem.upper.gradPi(p.x, state.pi));
    const errors: number[] = [distance(state.w, target)];
    for (let k = 1; k <= 300; k++) {
      state = mSobirlStep(state, problem, config).state;
      if (k % 50 === 0) errors.push(distance(state.w, target));
    }
    expect(Array.from(state.x)).toEqual(Array.from(p.x));
    for (let i = 1; i < errors.length; i++) expect(errors[i]!).toBeLessThan(0.5 * errors[i - 1]!);
    expect(errors.at(-1)! / errors[0]!).toBeLessThan(1e-8);
  });

  // Every state leads to state 0 (a goal that everything funnels into): P^pi = 1 e_0^T, whose
  // column 0 sums to S. Then lambda_max(A^T A) exceeds (1 + gamma)^2 and 2 / xi for xi = 0.5.
  const funnel = (S: number, gamma: number): TabularMdp => {
    const A = 2;
    const P = new Float64Array(S * A * S);
    for (let sa = 0; sa < S * A; sa++) P[sa * S] = 1;
    return { S, A, P, gamma, tau: 0.1 };
  };

  it('lambda_max(A^T A) by power iteration matches the closed form on the funnel MDP', () => {
    for (const [S, gamma] of [[6, 0.9], [25, 0.9], [20, 0.5], [4, 0.5]] as const) {
      const mdp = funnel(S, gamma);
      const Ppi = policyStateTransitions(mdp, new Float64Array(S * mdp.A).fill(0.5));
      // A^T A = (I - g 1 e0^T)(I - g e0 1^T) leaves span{e0, u}, u = (1 - e0)/sqrt(S - 1), invariant
      // (the rest of the spectrum is 1). In that basis it is [[(1 - g)^2, -g (1 - g) c], [-g (1 - g) c,
      // 1 + g^2 (S - 1)]] with c = sqrt(S - 1): the larger root of its characteristic polynomial.
      const c = Math.sqrt(S - 1);
      const a = (1 - gamma) ** 2, d = 1 + gamma ** 2 * (S - 1), off = -gamma * (1 - gamma) * c;
      const closed = (a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + off ** 2);
      expect(topEigenvalueOfNormalMatrix(Ppi, gamma, S)).toBeCloseTo(closed, 6);
      if (S >= 6) expect(closed).toBeGreaterThan(Math.max((1 + gamma) ** 2, 2 / 0.5)); // the case the cap is for
    }
  });

  it('w converges to A^-1 b even where xi = 0.5 exceeds the stability limit 2 / lambda_max', () => {
    const mdp = funnel(20, 0.5); // lambda_max 5.96 (> 2 / 0.5), lambda_min 0.042: converges in ~2,000 steps
    const pi = new Float64Array(mdp.S * mdp.A).fill(0.5);
    const rng = makeRng(7);
    const gradPiF = Float64Array.from({ length: mdp.S * mdp.A }, () => rng.next() - 0.5);
    const target = exactW(mdp, pi, gradPiF);
    let w: Float64Array = new Float64Array(mdp.S);
    for (let k = 0; k < 2500; k++) w = updateW(mdp, pi, gradPiF, w, 0.5);
    expect(w.every(Number.isFinite)).toBe(true);
    expect(distance(w, target) / norm(target)).toBeLessThan(1e-6);
  });

  it('mSobirlStep does not modify the state it is given and runs exactly N warm-started sweeps', () => {
    const p = randomProblem({ seed: 5, S: 4, A: 2, n: 2, kind: 'return' });
    const problem = returnProblem(p);
    const config = { ...DEFAULT_M_SOBIRL, beta: 0.1, innerSweeps: 3 };
    const state = initMSobirl(problem, p.x, config);
    const before = JSON.stringify([Array.from(state.x), Array.from(state.Q), Array.from(state.w)]);
    const { state: next, info } = mSobirlStep(state, problem, config);
    expect(JSON.stringify([Array.from(state.x), Array.from(state.Q), Array.from(state.w)])).toBe(before);
    expect(info.k).toBe(0);
    expect(next.k).toBe(1);
    const expectedQ = softValueIteration(p.mdp, problem.model.reward(next.x), { Q0: state.Q, sweeps: 3 }).Q;
    expect(Array.from(next.Q)).toEqual(Array.from(expectedQ));
  });
});

/**
 * The authors' synthetic problem: |S| = 10, |A| = 5, gamma 0.5, tau 1, x in R^100,
 * r_x(s, a) = c_sa x^T M x (M Gaussian, c_sa a product of two Uniform(0, 1)), random transition
 * supports with Uniform(0, 1) weights, f(x, pi) = 1/2 ||x||^2 + 1/2 ||pi||_F^2. Optimum f = 1
 * (x = 0, uniform pi: 1/2 * 10 * 5 * (1/5)^2).
 */
function syntheticProblem(seed: number): { problem: MSobirlProblem; x0: Float64Array } {
  const rng = makeRng(seed);
  const S = 10, A = 5, n = 100;
  const M = Float64Array.from({ length: n * n }, () => rng.normal());
  const c = Float64Array.from({ length: S * A }, () => rng.next() * rng.next());
  const P = new Float64Array(S * A * S);
  for (let sa = 0; sa < S * A; sa++) {
    const support = Array.from({ length: S }, () => rng.next() < 0.5);
    support[rng.int(S)] = true;
    let total = 0;
    for (let s2 = 0; s2 < S; s2++) if (support[s2]) { P[sa * S + s2] = rng.next(); total += P[sa * S + s2]!; }
    for (let s2 = 0; s2 < S; s2++) P[sa * S + s2] = P[sa * S + s2]! / total;
  }
  const quad = (x: Float64Array) => {
    let v = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v += x[i]! * M[i * n + j]! * x[j]!;
    return v;
  };
  const model = {
    n,
    reward: (x: Float64Array) => c.map((ci) => ci * quad(x)),
    // grad_x (c x^T M x) = c (M + M^T) x
    jacobian: (x: Float64Array) => {
      const g = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i] = g[i]! + (M[i * n + j]! + M[j * n + i]!) * x[j]!;
      const jac = new Float64Array(S * A * n);
      for (let sa = 0; sa < S * A; sa++) for (let j = 0; j < n; j++) jac[sa * n + j] = c[sa]! * g[j]!;
      return jac;
    },
  };
  const upper = {
    gradX: (x: Float64Array) => new Float64Array(x),
    gradPi: (_x: Float64Array, pi: Float64Array) => new Float64Array(pi),
    value: (x: Float64Array, pi: Float64Array) => 0.5 * norm(x) ** 2 + 0.5 * norm(pi) ** 2,
  };
  return { problem: { mdp: { S, A, P, gamma: 0.5, tau: 1 }, model, upper }, x0: Float64Array.from({ length: n }, () => rng.normal()) };
}

describe('M-SoBiRL on the authors\' synthetic problem', () => {
  it('f decreases to the optimum 1 and ||h_k|| falls by orders of magnitude', () => {
    const { problem, x0 } = syntheticProblem(2024);
    const config: MSobirlConfig = { ...DEFAULT_M_SOBIRL, iterations: 1500, logEvery: 1 };
    const t0 = performance.now();
    const { state, history } = runMSobirl(problem, x0, config);
    const ms = performance.now() - t0;
    const at = (k: number) => history[k]!;
    const fFinal = problem.upper.value!(state.x, state.pi);
    console.log(
      `M-SoBiRL synthetic (${config.iterations} iterations, ${ms.toFixed(0)} ms): ` +
        [0, 100, 500, 823, 1499].map((k) => `k=${k}: f=${at(k).f!.toFixed(4)} ||h||=${at(k).hypergradNorm.toExponential(2)}`).join('; ') +
        `; final f=${fFinal.toFixed(6)}`,
    );
    expect(at(0).f!).toBeGreaterThan(20);
    expect(at(0).hypergradNorm).toBeGreaterThan(50);
    // f decreases (allowing small non-monotone wiggles) towards 1 from above.
    expect(at(100).f!).toBeLessThan(at(0).f!);
    expect(at(500).f!).toBeLessThan(at(100).f!);
    expect(fFinal).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(fFinal).toBeLessThan(1.01);
    // The hyper-gradient norm falls by orders of magnitude.
    expect(at(1499).hypergradNorm / at(0).hypergradNorm).toBeLessThan(1e-3);
    // And w ends close to the exact solve it tracks.
    const target = exactW(problem.mdp, state.pi, problem.upper.gradPi(state.x, state.pi));
    expect(distance(state.w, target)).toBeLessThan(1e-3 * Math.max(1, norm(target)));
  });
});
