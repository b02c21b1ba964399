import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { linearReward } from './hypergrad';
import { bradleyTerry } from './numeric';
import { policyScoreGradient, softmaxPolicy, softPolicyValues, valuePenalty, type ScoredPair } from './penalty';
import { randomProblem } from './random-problem';
import { softValueIteration, type TabularMdp } from './soft';

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((t, x) => t + x * x, 0));
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => norm(Array.from(a, (v, i) => v - b[i]!)) / norm(b);

/** J_tau(pi) by 600 plain sweeps of V <- sum_a pi (r - tau log pi + gamma P V): no linear solve. */
function softReturnBySweeps(mdp: TabularMdp, pi: Float64Array, r: Float64Array, rho: Float64Array): number {
  const { S, A, P, gamma, tau } = mdp;
  let V = new Float64Array(S);
  for (let k = 0; k < 600; k++) {
    const next = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < A; a++) {
        const sa = s * A + a;
        let ev = 0;
        for (let s2 = 0; s2 < S; s2++) ev += P[sa * S + s2]! * V[s2]!;
        next[s] = next[s]! + pi[sa]! * (r[sa]! - tau * Math.log(pi[sa]!) + gamma * ev);
      }
    }
    V = next;
  }
  return Array.from(V).reduce((t, v, s) => t + rho[s]! * v, 0);
}

describe('PBRL value penalty', () => {
  const problem = randomProblem({ seed: 41, S: 5, A: 3, n: 4, kind: 'return', gamma: 0.8, tau: 0.5, xScale: 1 });
  const { mdp, features, n, rho } = problem;
  const SA = mdp.S * mdp.A;
  const theta = Float64Array.from({ length: SA }, (_, i) => Math.sin(3.1 * i));
  const penaltyAt = (x: Float64Array, th: Float64Array) => valuePenalty(mdp, linearReward(features, x, SA, n), features, n, th, rho);

  it('is J*_tau - J_tau(pi_theta), both by plain sweeps, >= 0, and 0 at theta = Q*/tau', () => {
    const r = linearReward(features, problem.x, SA, n);
    const pi = softmaxPolicy(theta, mdp.S, mdp.A);
    const star = softValueIteration(mdp, r, { tol: 0 });
    const p = penaltyAt(problem.x, theta);
    expect(softPolicyValues(mdp, pi, r, rho).J).toBeCloseTo(softReturnBySweeps(mdp, pi, r, rho), 10);
    expect(p.value).toBeCloseTo(softReturnBySweeps(mdp, star.pi, r, rho) - softReturnBySweeps(mdp, pi, r, rho), 10);
    expect(p.value).toBeGreaterThan(0.01);
    const atOptimum = penaltyAt(problem.x, star.Q.map((q) => q / mdp.tau));
    expect(Math.abs(atOptimum.value)).toBeLessThan(1e-10);
    expect(norm(atOptimum.gradTheta)).toBeLessThan(1e-9); // a minimum in theta
  });

  it('has gradients in x and theta equal to central finite differences (relative error < 1e-6)', () => {
    const h = 1e-5;
    const p = penaltyAt(problem.x, theta);
    const fdX = problem.x.map((_, j) => {
      const xp = new Float64Array(problem.x), xm = new Float64Array(problem.x);
      xp[j] = xp[j]! + h; xm[j] = xm[j]! - h;
      return (penaltyAt(xp, theta).value - penaltyAt(xm, theta).value) / (2 * h);
    });
    const fdTheta = theta.map((_, i) => {
      const tp = new Float64Array(theta), tm = new Float64Array(theta);
      tp[i] = tp[i]! + h; tm[i] = tm[i]! - h;
      return (penaltyAt(problem.x, tp).value - penaltyAt(problem.x, tm).value) / (2 * h);
    });
    expect(norm(fdX)).toBeGreaterThan(1e-2);
    expect(norm(fdTheta)).toBeGreaterThan(1e-2);
    expect(relErr(p.gradX, fdX)).toBeLessThan(1e-6);
    expect(relErr(p.gradTheta, fdTheta)).toBeLessThan(1e-6);
  });
});

describe("PBRL's policy-score half of grad_theta f", () => {
  // Tiny problem: every (s0, a0, s1, a1) segment of H = 2 is enumerated by hand.
  const problem = randomProblem({ seed: 42, S: 2, A: 2, n: 3, kind: 'preference', horizon: 2, beta: 1.5, density: 1, xScale: 1 });
  const { mdp, features, n, x, rho } = problem;
  const trueReward = (problem.upper as { trueReward: Float64Array }).trueReward;
  const r = linearReward(features, x, 4, n);
  const beta = 1.5;
  const segments = (pi: Float64Array) => {
    const out: Array<{ prob: number; sas: number[] }> = [];
    for (let s0 = 0; s0 < 2; s0++) for (let a0 = 0; a0 < 2; a0++) for (let s1 = 0; s1 < 2; s1++) for (let a1 = 0; a1 < 2; a1++) {
      const sa0 = s0 * 2 + a0, sa1 = s1 * 2 + a1;
      out.push({ prob: rho[s0]! * pi[sa0]! * mdp.P[sa0 * 2 + s1]! * pi[sa1]!, sas: [sa0, sa1] });
    }
    return out;
  };
  const sum = (sas: number[], table: Float64Array) => sas.reduce((t, sa) => t + table[sa]!, 0);
  /** f(x, pi_theta) = sum P(d1) P(d2) E_y l, brute force. */
  const f = (theta: Float64Array) => {
    const segs = segments(softmaxPolicy(theta, 2, 2));
    let total = 0;
    for (const d1 of segs) for (const d2 of segs) {
      const p1 = 1 / (1 + Math.exp(-beta * (sum(d1.sas, trueReward) - sum(d2.sas, trueReward))));
      const delta = sum(d1.sas, r) - sum(d2.sas, r);
      total += d1.prob * d2.prob * (p1 * bradleyTerry(delta, 1) + (1 - p1) * bradleyTerry(delta, 0));
    }
    return total;
  };

  it('averages to the finite-difference gradient of the exact f in theta (with and without baseline)', () => {
    const theta = Float64Array.from([0.3, -0.4, 0.8, 0.1]);
    const pi = softmaxPolicy(theta, 2, 2);
    const h = 1e-6;
    const fd = theta.map((_, i) => {
      const tp = new Float64Array(theta), tm = new Float64Array(theta);
      tp[i] = tp[i]! + h; tm[i] = tm[i]! - h;
      return (f(tp) - f(tm)) / (2 * h);
    });
    expect(norm(fd)).toBeGreaterThan(1e-2);
    // Sample labelled pairs from pi_theta, in batches of 16 (the baseline is per batch).
    const rng = makeRng(8);
    const segs = segments(pi);
    const probs = segs.map((d) => d.prob);
    for (const baseline of [false, true]) {
      const batches = 6000;
      const mean = new Float64Array(4), sq = new Float64Array(4);
      for (let b = 0; b < batches; b++) {
        const pairs: ScoredPair[] = [];
        for (let m = 0; m < 16; m++) {
          const d1 = segs[rng.categorical(probs)]!, d2 = segs[rng.categorical(probs)]!;
          const y = rng.next() < 1 / (1 + Math.exp(-beta * (sum(d1.sas, trueReward) - sum(d2.sas, trueReward)))) ? 1 : 0;
          pairs.push({ first: d1.sas, second: d2.sas, loss: bradleyTerry(sum(d1.sas, r) - sum(d2.sas, r), y) });
        }
        const g = policyScoreGradient(pi, 2, pairs, baseline);
        for (let i = 0; i < 4; i++) { mean[i] = mean[i]! + g[i]! / batches; sq[i] = sq[i]! + g[i]! ** 2 / batches; }
      }
      for (let i = 0; i < 4; i++) {
        const se = Math.sqrt((sq[i]! - mean[i]! ** 2) / batches);
        expect(Math.abs(mean[i]! - fd[i]!), `baseline ${baseline}, theta ${i}`).toBeLessThan(4 * se);
        expect(se).toBeLessThan(0.2 * norm(fd));
      }
    }
  });
});
