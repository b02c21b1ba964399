import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { exactHypergradient, solveLowerLevel } from './hypergrad';
import { addAdvantageGradientSample, hpgdEstimate } from './hpgd';
import { randomProblem } from './random-problem';
import { implicitGradients } from './soft';

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((t, x) => t + x * x, 0));

describe("HPGD's geometric-length rollouts", () => {
  it('average to the exact grad Q* - grad V* (implicit derivatives) at every (s, a)', () => {
    const problem = randomProblem({ seed: 31, S: 4, A: 2, n: 3, kind: 'preference', gamma: 0.7, tau: 0.5, xScale: 1 });
    const { mdp, features, n } = problem;
    const { pi } = solveLowerLevel(problem);
    const { gradQ, gradV } = implicitGradients(mdp, pi, features, n);
    const rng = makeRng(4);
    const draws = 20_000;
    for (let s = 0; s < mdp.S; s++) {
      for (let a = 0; a < mdp.A; a++) {
        const sum = new Float64Array(n), sumSq = new Float64Array(n);
        for (let i = 0; i < draws; i++) {
          const one = new Float64Array(n);
          addAdvantageGradientSample(mdp, pi, features, n, s, a, rng, one);
          for (let j = 0; j < n; j++) { sum[j] = sum[j]! + one[j]!; sumSq[j] = sumSq[j]! + one[j]! ** 2; }
        }
        for (let j = 0; j < n; j++) {
          const mean = sum[j]! / draws;
          const se = Math.sqrt((sumSq[j]! / draws - mean * mean) / draws);
          const exact = gradQ[(s * mdp.A + a) * n + j]! - gradV[s * n + j]!;
          expect(Math.abs(mean - exact), `s ${s} a ${a} j ${j}`).toBeLessThan(4.5 * se);
        }
      }
    }
  });
});

describe('HPGD estimator against the exact hyper-gradient', () => {
  // gamma 0.5 and tau 1 keep HPGD's variance low enough for a test with teeth: at gamma 0.8,
  // tau 0.4, H 3 its standard error at 48,000 pairs is still ~40% of the gradient's norm (no
  // baseline, one rollout per step).
  const problem = randomProblem({ seed: 21, S: 4, A: 3, n: 4, kind: 'preference', horizon: 2, beta: 2, gamma: 0.5, tau: 1, xScale: 1 });
  const exact = exactHypergradient(problem).grad;

  it('has the exact gradient as its mean (4 standard errors, at N and 16 N)', () => {
    const small = hpgdEstimate(problem, { samples: 3000, seed: 1 });
    const large = hpgdEstimate(problem, { samples: 48_000, seed: 2 });
    for (const est of [small, large]) {
      for (let j = 0; j < problem.n; j++) expect(Math.abs(est.estimate[j]! - exact[j]!)).toBeLessThan(4 * est.stdErr[j]!);
    }
    // Teeth: at 16 N the standard errors are small next to the gradient.
    expect(Math.max(...large.stdErr)).toBeLessThan(0.1 * norm(exact));
    expect(norm(Array.from(large.estimate, (v, j) => v - exact[j]!))).toBeLessThan(0.15 * norm(exact));
  });

  it('is reproducible from its seed and refuses kind "return"', () => {
    const a = hpgdEstimate(problem, { samples: 30, seed: 9 }), b = hpgdEstimate(problem, { samples: 30, seed: 9 });
    expect(Array.from(a.estimate)).toEqual(Array.from(b.estimate));
    expect(() => hpgdEstimate(randomProblem({ seed: 1, S: 2, A: 2, n: 2, kind: 'return' }), { samples: 5, seed: 1 })).toThrow(/preference/);
  });
});
