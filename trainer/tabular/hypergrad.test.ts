import { describe, expect, it } from 'vitest';
import { exactHypergradient, linearReward, MAX_SEGMENT_CANDIDATES, ProblemTooLargeError, sobirlEstimate, solveLowerLevel } from './hypergrad';
import type { TabularProblem } from './problem';
import { randomProblem, type RandomProblemOptions } from './random-problem';
import { enumerateSegments } from './segments';
import { softValueIteration } from './soft';

/** Central differences of phi, one coordinate at a time. */
function finiteDifferences(problem: TabularProblem, h = 1e-5): Float64Array {
  return problem.x.map((_, j) => {
    const xp = new Float64Array(problem.x), xm = new Float64Array(problem.x);
    xp[j] = xp[j]! + h;
    xm[j] = xm[j]! - h;
    return (exactHypergradient(problem, xp).phi - exactHypergradient(problem, xm).phi) / (2 * h);
  });
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((t, x) => t + x * x, 0));
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return norm(Array.from(a, (v, i) => v - b[i]!)) / norm(b);
}

describe('exact hyper-gradient vs central finite differences of phi', () => {
  const cases: RandomProblemOptions[] = [
    { seed: 1, S: 4, A: 3, n: 5, kind: 'return' },
    { seed: 2, S: 7, A: 2, n: 3, kind: 'return', gamma: 0.95, tau: 0.2, l2: 0 },
    { seed: 3, S: 3, A: 4, n: 6, kind: 'return', gamma: 0.3, tau: 2, density: 1 },
    { seed: 4, S: 10, A: 3, n: 4, kind: 'return', gamma: 0.9, tau: 0.5, density: 0.2 },
    { seed: 5, S: 3, A: 2, n: 4, kind: 'preference', horizon: 1, beta: 1 },
    { seed: 6, S: 4, A: 3, n: 5, kind: 'preference', horizon: 2, beta: 3 },
    { seed: 7, S: 3, A: 2, n: 3, kind: 'preference', horizon: 4, beta: 0.5, gamma: 0.9, tau: 0.3 },
    { seed: 8, S: 5, A: 2, n: 4, kind: 'preference', horizon: 3, beta: 5, density: 0.3 },
  ];
  for (const c of cases) {
    it(`${c.kind} S=${c.S} A=${c.A} n=${c.n}${c.horizon ? ` H=${c.horizon}` : ''} (seed ${c.seed})`, () => {
      const problem = randomProblem(c);
      const { phi, grad } = exactHypergradient(problem);
      expect(Number.isFinite(phi)).toBe(true);
      const fd = finiteDifferences(problem);
      expect(norm(fd)).toBeGreaterThan(1e-3); // a gradient worth checking
      expect(relativeError(grad, fd)).toBeLessThan(1e-6);
    });
  }

  it('merges segments with identical (R_x, Rbar) and the gradient is still exact', () => {
    // One-hot features (a free reward table, as on grid5) and integer true rewards: segments that
    // visit the same (s, a) in another order have bitwise equal returns and share a group.
    const base = randomProblem({ seed: 9, S: 3, A: 2, n: 6, kind: 'preference', horizon: 3, beta: 2, density: 1 });
    const features = new Float64Array(36);
    for (let i = 0; i < 6; i++) features[i * 6 + i] = 1;
    const trueReward = Float64Array.from([1, 0, 0, -1, 0, 1]);
    const problem: TabularProblem = { ...base, features, upper: { kind: 'preference', trueReward, horizon: 3, beta: 2 } };
    const { pi } = solveLowerLevel(problem);
    const seg = enumerateSegments(problem.mdp, pi, problem.rho, linearReward(features, problem.x, 6, 6), trueReward, 3);
    expect(seg.count).toBe(6 ** 3); // dense P: every sequence has nonzero probability
    expect(seg.groupProb.length).toBeLessThan(seg.count / 2);
    expect(seg.groupProb.reduce((t, w) => t + w, 0)).toBeCloseTo(1, 13);
    expect(relativeError(exactHypergradient(problem).grad, finiteDifferences(problem))).toBeLessThan(1e-6);
  });

  it('enumerates only nonzero-probability segments', () => {
    // Deterministic chain 0 -> 1 -> 2 -> 2 for every action; start in state 0 only.
    const base = randomProblem({ seed: 10, S: 3, A: 2, n: 2, kind: 'preference', horizon: 3 });
    const P = new Float64Array(18);
    for (let s = 0; s < 3; s++) for (let a = 0; a < 2; a++) P[(s * 2 + a) * 3 + Math.min(s + 1, 2)] = 1;
    const problem: TabularProblem = { ...base, mdp: { ...base.mdp, P }, rho: Float64Array.from([1, 0, 0]) };
    const { pi } = solveLowerLevel(problem);
    const seg = enumerateSegments(problem.mdp, pi, problem.rho, linearReward(problem.features, problem.x, 6, 2), (problem.upper as { trueReward: Float64Array }).trueReward, 3);
    expect(seg.count).toBe(2 ** 3); // only the action choices branch
    expect(seg.prob.reduce((t, q) => t + q, 0)).toBeCloseTo(1, 14);
  });

  it('preference phi equals a brute-force double sum over all (s,a)-sequence pairs and both labels', () => {
    // Independent of grouping, of the analytic label average and of the summed-out last state:
    // enumerate full trajectories (s_0, a_0, ..., s_{H-1}, a_{H-1}, s_H) with their probabilities.
    const problem = randomProblem({ seed: 11, S: 2, A: 2, n: 3, kind: 'preference', horizon: 2, beta: 1.5, density: 1 });
    const { mdp, features, n, x, rho } = problem;
    const upper = problem.upper as { trueReward: Float64Array; beta: number; horizon: number };
    const pi = softValueIteration(mdp, linearReward(features, x, 4, n), { tol: 0 }).pi;
    const r = linearReward(features, x, 4, n);
    const trajectories: Array<{ prob: number; rx: number; rbar: number }> = [];
    for (let s0 = 0; s0 < 2; s0++) for (let a0 = 0; a0 < 2; a0++) for (let s1 = 0; s1 < 2; s1++)
      for (let a1 = 0; a1 < 2; a1++) for (let s2 = 0; s2 < 2; s2++) {
        const prob = rho[s0]! * pi[s0 * 2 + a0]! * mdp.P[(s0 * 2 + a0) * 2 + s1]! * pi[s1 * 2 + a1]! * mdp.P[(s1 * 2 + a1) * 2 + s2]!;
        trajectories.push({ prob, rx: r[s0 * 2 + a0]! + r[s1 * 2 + a1]!, rbar: upper.trueReward[s0 * 2 + a0]! + upper.trueReward[s1 * 2 + a1]! });
      }
    let phi = 0;
    for (const d1 of trajectories) for (const d2 of trajectories) {
      const pPrefer1 = 1 / (1 + Math.exp(-upper.beta * (d1.rbar - d2.rbar)));
      const delta = d1.rx - d2.rx;
      const lossIfY1 = -Math.log(1 / (1 + Math.exp(-delta)));
      const lossIfY0 = -Math.log(1 / (1 + Math.exp(delta)));
      phi += d1.prob * d2.prob * (pPrefer1 * lossIfY1 + (1 - pPrefer1) * lossIfY0);
    }
    expect(exactHypergradient(problem).phi).toBeCloseTo(phi, 13);
  });

  it('return phi is -J + l2/2 ||x||^2 with J the exact discounted return', () => {
    const problem = randomProblem({ seed: 12, S: 1, A: 2, n: 1, kind: 'return', gamma: 0.5, tau: 1, l2: 0.4 });
    // One state, so J = r_pi / (1 - gamma) with r_pi = sum_a pi_a trueReward_a.
    const r = linearReward(problem.features, problem.x, 2, 1);
    const piExact = solveLowerLevel(problem).pi;
    const tr = (problem.upper as { trueReward: Float64Array }).trueReward;
    const J = (piExact[0]! * tr[0]! + piExact[1]! * tr[1]!) / 0.5;
    expect(exactHypergradient(problem).phi).toBeCloseTo(-J + 0.2 * problem.x[0]! ** 2, 13);
    // With one state Q = r + gamma V shifts both actions equally, so pi = softmax(r / tau), tau = 1.
    expect(piExact[0]).toBeCloseTo(1 / (1 + Math.exp(r[1]! - r[0]!)), 13);
  });

  it(`refuses (S*A)^H > ${MAX_SEGMENT_CANDIDATES} with a clear error`, () => {
    const problem = randomProblem({ seed: 13, S: 10, A: 4, n: 2, kind: 'preference', horizon: 4 });
    expect(() => exactHypergradient(problem)).toThrow(ProblemTooLargeError);
    expect(() => exactHypergradient(problem)).toThrow(/\(10\*4\)\^4 > 200000/);
  });

  it('refuses when the segments fall into too many distinct groups for the O(G^2) pair sum', () => {
    // (29*2)^3 = 195,112 candidates pass the first check, but ~34,000 distinct multisets of (s, a)
    // would need ~6e8 pair evaluations.
    const problem = randomProblem({ seed: 14, S: 29, A: 2, n: 3, kind: 'preference', horizon: 3, density: 1 });
    expect(() => exactHypergradient(problem)).toThrow(/distinct \(R_x, Rbar\) groups.*use a shorter horizon/);
  });
});

describe('SoBiRL estimator (exact G) against the exact gradient', () => {
  const problem = randomProblem({ seed: 21, S: 4, A: 3, n: 4, kind: 'preference', horizon: 3, beta: 2, gamma: 0.8, tau: 0.4, xScale: 1 });
  const exact = exactHypergradient(problem).grad;
  const N = 4000;

  for (const baseline of [false, true]) {
    it(`mean converges to the exact gradient (baseline ${baseline})`, () => {
      const small = sobirlEstimate(problem, { samples: N, seed: 1, baseline });
      const large = sobirlEstimate(problem, { samples: 16 * N, seed: 2, baseline });
      for (const est of [small, large]) {
        for (let j = 0; j < problem.n; j++) {
          expect(Math.abs(est.estimate[j]! - exact[j]!)).toBeLessThan(4 * est.stdErr[j]!);
        }
      }
      // The check has teeth: at 16N the standard errors are small next to the gradient itself.
      expect(Math.max(...large.stdErr)).toBeLessThan(0.05 * norm(exact));
      expect(relativeError(large.estimate, exact)).toBeLessThan(relativeError(small.estimate, exact));
      expect(large.meanLoss).toBeCloseTo(exactHypergradient(problem).phi, 1);
    });
  }

  it('the baseline reduces the variance (same samples, same seed)', () => {
    const plain = sobirlEstimate(problem, { samples: N, seed: 3 });
    const based = sobirlEstimate(problem, { samples: N, seed: 3, baseline: true });
    expect(norm(based.stdErr)).toBeLessThan(norm(plain.stdErr));
  });

  it('is reproducible from its seed and refuses kind "return"', () => {
    const a = sobirlEstimate(problem, { samples: 50, seed: 9 }), b = sobirlEstimate(problem, { samples: 50, seed: 9 });
    expect(Array.from(a.estimate)).toEqual(Array.from(b.estimate));
    const ret = randomProblem({ seed: 1, S: 2, A: 2, n: 2, kind: 'return' });
    expect(() => sobirlEstimate(ret, { samples: 10, seed: 1 })).toThrow(/preference/);
  });
});
