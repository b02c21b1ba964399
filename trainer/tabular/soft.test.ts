import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { linearReward } from './hypergrad';
import { randomProblem } from './random-problem';
import {
  evaluatePolicy, implicitGradients, occupancy, policyFromQ, policyGradient, policyStateTransitions, softBellman,
  softValueIteration,
} from './soft';

const supDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

function problemWithReward(seed: number, gamma = 0.9) {
  const p = randomProblem({ seed, S: 6, A: 3, n: 4, kind: 'return', gamma, tau: 0.4 });
  return { ...p, r: linearReward(p.features, p.x, 18, 4) };
}

describe('soft value iteration', () => {
  it('contracts at rate <= gamma per sweep from a far-away start', () => {
    for (const gamma of [0.5, 0.9, 0.97]) {
      const { mdp, r } = problemWithReward(1, gamma);
      const rng = makeRng(2);
      let Q: Float64Array = Float64Array.from({ length: 18 }, () => 50 * rng.normal());
      const exact = softValueIteration(mdp, r, { tol: 0 }).Q;
      let prevResidual = Infinity, prevError = supDiff(Q, exact);
      for (let k = 0; k < 60; k++) {
        const next = softBellman(mdp, r, Q);
        const residual = supDiff(next, Q), error = supDiff(next, exact);
        // T is a gamma-contraction: both the step and the distance to Q* shrink by >= gamma.
        expect(residual).toBeLessThanOrEqual(gamma * prevResidual + 1e-12);
        expect(error).toBeLessThanOrEqual(gamma * prevError + 1e-12);
        prevResidual = residual; prevError = error; Q = next;
      }
      expect(prevError).toBeGreaterThan(0); // the test looked at a real transient, not the fixed point
    }
  });

  it('the converged Q satisfies the soft Bellman equation and pi = exp((Q - V) / tau)', () => {
    const { mdp, r } = problemWithReward(3);
    const { Q, V, pi, residual, sweeps } = softValueIteration(mdp, r);
    expect(residual).toBeLessThan(1e-12);
    expect(sweeps).toBeGreaterThan(10);
    expect(supDiff(softBellman(mdp, r, Q), Q)).toBeLessThan(1e-11);
    for (let s = 0; s < mdp.S; s++) {
      let total = 0, lse = 0;
      for (let a = 0; a < mdp.A; a++) { total += pi[s * 3 + a]!; lse += Math.exp(Q[s * 3 + a]! / mdp.tau); }
      expect(total).toBeCloseTo(1, 14);
      expect(V[s]).toBeCloseTo(mdp.tau * Math.log(lse), 10); // direct (unstable) formula is fine at this scale
      for (let a = 0; a < mdp.A; a++) expect(pi[s * 3 + a]).toBeCloseTo(Math.exp((Q[s * 3 + a]! - V[s]!) / mdp.tau), 14);
    }
  });

  it('with `sweeps` runs exactly that many, warm-started from Q0', () => {
    const { mdp, r } = problemWithReward(4);
    const Q0 = Float64Array.from({ length: 18 }, (_, i) => i / 7);
    let Q: Float64Array = Q0;
    for (let k = 0; k < 7; k++) Q = softBellman(mdp, r, Q);
    const out = softValueIteration(mdp, r, { Q0, sweeps: 7 });
    expect(out.sweeps).toBe(7);
    expect(supDiff(out.Q, Q)).toBe(0);
    expect(Array.from(Q0)).toEqual(Array.from({ length: 18 }, (_, i) => i / 7)); // Q0 not mutated
  });

  it('policyFromQ stays finite for huge Q / tau (stable logsumexp)', () => {
    const Q = Float64Array.from([1e5, 1e5 - 1, -1e5, 2e4, 2e4, 2e4]);
    const { V, pi } = policyFromQ(Q, 2, 3, 0.01);
    expect(Array.from(pi).every(Number.isFinite)).toBe(true);
    expect(V[0]).toBeCloseTo(1e5, 6);
    expect(pi[0]! + pi[1]! + pi[2]!).toBeCloseTo(1, 14);
    expect(pi[3]).toBeCloseTo(1 / 3, 14);
  });
});

describe('exact policy evaluation', () => {
  it('matches the truncated power series sum_t gamma^t rho^T (P^pi)^t r_pi', () => {
    for (const seed of [5, 6]) {
      const { mdp, r, rho } = problemWithReward(seed, 0.85);
      const { pi } = softValueIteration(mdp, r);
      const reward = Float64Array.from({ length: 18 }, (_, i) => Math.sin(i));
      const Ppi = policyStateTransitions(mdp, pi);
      for (let s = 0; s < mdp.S; s++) {
        let rowSum = 0;
        for (let s2 = 0; s2 < mdp.S; s2++) rowSum += Ppi[s * mdp.S + s2]!;
        expect(rowSum).toBeCloseTo(1, 13);
      }
      // Power series: the state distribution mu_t = rho^T (P^pi)^t, discounted, until gamma^t < 1e-17.
      let mu: Float64Array = new Float64Array(rho), total = 0, discount = 1;
      const occ = new Float64Array(mdp.S);
      while (discount > 1e-17) {
        for (let s = 0; s < mdp.S; s++) {
          occ[s] = occ[s]! + discount * mu[s]!;
          for (let a = 0; a < mdp.A; a++) total += discount * mu[s]! * pi[s * 3 + a]! * reward[s * 3 + a]!;
        }
        const next = new Float64Array(mdp.S);
        for (let s = 0; s < mdp.S; s++) for (let s2 = 0; s2 < mdp.S; s2++) next[s2] = next[s2]! + mu[s]! * Ppi[s * mdp.S + s2]!;
        mu = next; discount *= mdp.gamma;
      }
      expect(evaluatePolicy(mdp, pi, reward, rho)).toBeCloseTo(total, 12);
      const d = occupancy(mdp, pi, rho);
      expect(supDiff(d, occ)).toBeLessThan(1e-12);
      expect(d.reduce((t, v) => t + v, 0)).toBeCloseTo(1 / (1 - mdp.gamma), 11);
    }
  });
});

describe('implicit derivatives of the soft-optimal solution', () => {
  it('grad Q*, grad V* and grad pi* match central differences (r linear in x)', () => {
    for (const seed of [7, 8, 9]) {
      const { mdp, features, x, n } = randomProblem({ seed, S: 5, A: 3, n: 4, kind: 'return', gamma: 0.9, tau: 0.3 });
      const solve = (v: Float64Array) => softValueIteration(mdp, linearReward(features, v, 15, n), { tol: 0 });
      const { pi } = solve(x);
      const { gradQ, gradV } = implicitGradients(mdp, pi, features, n);
      const gradPi = policyGradient(mdp, pi, gradQ, gradV, n);
      const h = 1e-5;
      let worst = 0, scale = 0;
      for (let j = 0; j < n; j++) {
        const xp = new Float64Array(x), xm = new Float64Array(x);
        xp[j] = xp[j]! + h; xm[j] = xm[j]! - h;
        const plus = solve(xp), minus = solve(xm);
        for (let sa = 0; sa < 15; sa++) {
          worst = Math.max(worst, Math.abs((plus.Q[sa]! - minus.Q[sa]!) / (2 * h) - gradQ[sa * n + j]!));
          worst = Math.max(worst, Math.abs((plus.pi[sa]! - minus.pi[sa]!) / (2 * h) - gradPi[sa * n + j]!));
          scale = Math.max(scale, Math.abs(gradQ[sa * n + j]!));
        }
        for (let s = 0; s < 5; s++) worst = Math.max(worst, Math.abs((plus.V[s]! - minus.V[s]!) / (2 * h) - gradV[s * n + j]!));
      }
      expect(scale).toBeGreaterThan(0.1);
      expect(worst / scale).toBeLessThan(1e-7);
    }
  });

  it('grad V_s = sum_a pi_sa grad Q_sa (the two forms in docs/algorithms.md agree)', () => {
    const { mdp, features, x, n } = randomProblem({ seed: 10, S: 4, A: 2, n: 3, kind: 'return' });
    const { pi } = softValueIteration(mdp, linearReward(features, x, 8, n));
    const { gradQ, gradV } = implicitGradients(mdp, pi, features, n);
    for (let s = 0; s < 4; s++) for (let j = 0; j < n; j++) {
      expect(gradV[s * n + j]).toBeCloseTo(pi[2 * s]! * gradQ[2 * s * n + j]! + pi[2 * s + 1]! * gradQ[(2 * s + 1) * n + j]!, 12);
    }
  });
});
