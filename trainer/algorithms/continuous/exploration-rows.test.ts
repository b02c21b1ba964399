import { describe, expect, it } from 'vitest';
import { makeRng, type Rng } from '../../core/rng';
import type { ContinuousEnv } from '../../envs/types';
import { collectContinuousExplorationRows } from './exploration-rows';
import type { ContinuousSegment } from './experience';

/**
 * A linear-Gaussian problem where E[grad_x (G_Q(s, a_h) - G_V(s))] has a closed form: state s,
 * s' = s + 0.05 u with u = 10 a in env units (so s' = s + a / 2 in normalised units), the
 * Gaussian policy a ~ N(k s, sigma^2), and a reward linear in x: r_x(s, a) = x . phi(s, a),
 * phi = [s^2, a^2, s a, s, a, 1]. Then grad_x of the estimator is sum_rows w phi(row), and the
 * expectation of G_Q follows from the first two moments of s_t, propagated exactly.
 */
interface LinState { s: number }
const lin: ContinuousEnv<LinState> = {
  id: 'lin', title: 'lin', description: 'linear test env', observationSize: 1, maxEpisodeSteps: 1000,
  actionSpace: { low: [-10], high: [10], names: ['u'] },
  reset: () => ({ s: 0 }),
  step: (state, action) => ({ state: { s: state.s + 0.05 * action[0]! }, reward: 0, done: false }),
  observe: (state) => [state.s],
  render: () => ({ viewport: { xMin: 0, xMax: 1, yMin: 0, yMax: 1 }, items: [] }),
};
const K_GAIN = -0.4, SIGMA = 0.2, GAMMA = 0.9;
const policy = (obs: Float32Array, rows: number, rng: Rng) => ({
  actions: Float32Array.from({ length: rows }, (_, i) => K_GAIN * obs[i]! + SIGMA * rng.normal()),
  logProb: new Float32Array(rows),
});
const phi = (s: number, a: number) => [s * s, a * a, s * a, s, a, 1];

/** sum_{t=1}^{T-1} gamma^t E[phi(s_t, a_t)] from the moments (m1, v1) of s_1. */
function tail(m1: number, v1: number, T: number): number[] {
  const out = [0, 0, 0, 0, 0, 0];
  let m = m1, v = v1, d = GAMMA;
  const c = 1 + 0.5 * K_GAIN;
  for (let t = 1; t < T; t++) {
    const e = [v, K_GAIN * K_GAIN * v + SIGMA * SIGMA, K_GAIN * v, m, K_GAIN * m, 1];
    e.forEach((x, j) => (out[j] = out[j]! + d * x));
    m = c * m;
    v = c * c * v + 0.25 * SIGMA * SIGMA;
    d *= GAMMA;
  }
  return out;
}

function closedForm(s: number, aTaken: number, T: number): number[] {
  const c = 1 + 0.5 * K_GAIN;
  const q = phi(s, aTaken).map((x, j) => x + tail(s + 0.5 * aTaken, (s + 0.5 * aTaken) ** 2, T)[j]!);
  const firstV = [s * s, K_GAIN * K_GAIN * s * s + SIGMA * SIGMA, K_GAIN * s * s, s, K_GAIN * s, 1];
  const v = firstV.map((x, j) => x + tail(c * s, c * c * s * s + 0.25 * SIGMA * SIGMA, T)[j]!);
  return q.map((x, j) => x - v[j]!);
}

function monteCarlo(s: number, aTaken: number, T: number, runs: number): { mean: number[]; se: number[] } {
  const clip: ContinuousSegment<LinState> = { envId: 'lin', states: [{ s }, { s: s + 0.5 * aTaken }], actions: [[10 * aTaken]], trueRewards: [0], logProbs: [0], done: false };
  const empty: ContinuousSegment<LinState> = { envId: 'lin', states: [{ s }], actions: [], trueRewards: [], logProbs: [], done: false };
  const rng = makeRng(7);
  const sum = [0, 0, 0, 0, 0, 0], sq = [0, 0, 0, 0, 0, 0];
  for (let n = 0; n < runs; n++) {
    const rows = collectContinuousExplorationRows(lin, policy, [{ first: clip, second: empty }], { rolloutSteps: T, stepsPerSegment: 1, actionSamples: 4, gamma: GAMMA }, rng);
    const g = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < rows.count; i++) phi(rows.obs[i]!, rows.actions[i]!).forEach((x, j) => (g[j] = g[j]! + rows.weights[i]! * x));
    g.forEach((x, j) => { sum[j] = sum[j]! + x; sq[j] = sq[j]! + x * x; });
  }
  const mean = sum.map((x) => x / runs);
  return { mean, se: sq.map((x, j) => Math.sqrt(Math.max(x / runs - mean[j]! ** 2, 0) / runs)) };
}

describe('continuous grad(Q - V) estimators against the linear-Gaussian closed form', () => {
  for (const [name, T] of [['rollouts from the stored state (T = 5)', 5], ['the one-step form (T = 1)', 1]] as const) {
    it(name, () => {
      const s = 0.7, aTaken = 0.3;
      const expected = closedForm(s, aTaken, T);
      const { mean, se } = monteCarlo(s, aTaken, T, 3000);
      expected.forEach((e, j) => expect(Math.abs(mean[j]! - e)).toBeLessThan(4 * se[j]! + 1e-5));
      // Not trivially zero: the taken action differs from the policy's mean k s = -0.28.
      expect(Math.abs(expected[4]!)).toBeGreaterThan(0.3);
    });
  }
});
