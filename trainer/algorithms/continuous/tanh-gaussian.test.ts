import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { LOG_STD_MAX, LOG_STD_MIN, tanhGaussianBackward, tanhGaussianSample } from './tanh-gaussian';

const rows = 5, A = 2;

function randomInputs(seed: number) {
  const rng = makeRng(seed);
  const head = Float32Array.from({ length: rows * 2 * A }, () => 1.5 * (2 * rng.next() - 1));
  const noise = Float32Array.from({ length: rows * A }, () => rng.normal());
  const cA = Float32Array.from({ length: rows * A }, () => rng.normal());
  const cL = Float32Array.from({ length: rows }, () => rng.normal());
  return { head, noise, cA, cL };
}

/** L = sum cA . a + sum cL . log pi, in float64 from the float32 sample. */
function loss(head: Float32Array, noise: Float32Array, cA: Float32Array, cL: Float32Array): number {
  const s = tanhGaussianSample(head, noise, rows, A);
  let total = 0;
  s.actions.forEach((a, k) => (total += cA[k]! * a));
  s.logProb.forEach((lp, r) => (total += cL[r]! * lp));
  return total;
}

describe('tanh-Gaussian head', () => {
  it('log pi equals the Gaussian density of u = atanh(a) minus log(1 - a^2), written directly', () => {
    const { head, noise } = randomInputs(3);
    const s = tanhGaussianSample(head, noise, rows, A);
    for (let r = 0; r < rows; r++) {
      let expected = 0;
      for (let i = 0; i < A; i++) {
        const mu = head[r * 2 * A + i]!, raw = head[r * 2 * A + A + i]!;
        const logStd = LOG_STD_MIN + ((LOG_STD_MAX - LOG_STD_MIN) * (Math.tanh(raw) + 1)) / 2;
        const std = Math.exp(logStd);
        const u = mu + std * noise[r * A + i]!;
        const gauss = -((u - mu) ** 2) / (2 * std * std) - Math.log(std * Math.sqrt(2 * Math.PI));
        expected += gauss - Math.log(1 - Math.tanh(u) ** 2);
        expect(s.actions[r * A + i]).toBeCloseTo(Math.tanh(u), 6);
      }
      expect(s.logProb[r]).toBeCloseTo(expected, 4);
    }
  });

  it('the density integrates to 1 over (-1, 1) (one dimension, midpoint rule in u)', () => {
    // p(a) da = N(u) du: integrating exp(log pi(tanh u)) (1 - tanh^2 u) du over u must give 1.
    const mu = 0.4, raw = -0.3, n = 20000, lo = -12, hi = 12, du = (hi - lo) / n;
    const std = Math.exp(LOG_STD_MIN + ((LOG_STD_MAX - LOG_STD_MIN) * (Math.tanh(raw) + 1)) / 2);
    let total = 0;
    for (let k = 0; k < n; k++) {
      const u = lo + (k + 0.5) * du;
      const s = tanhGaussianSample(Float32Array.of(mu, raw), Float32Array.of((u - mu) / std), 1, 1);
      total += Math.exp(s.logProb[0]!) * (1 - Math.tanh(u) ** 2) * du;
    }
    expect(total).toBeCloseTo(1, 3);
  });

  it('backward matches central finite differences in every head entry', () => {
    for (const seed of [1, 2, 3]) {
      const { head, noise, cA, cL } = randomInputs(seed);
      const s = tanhGaussianSample(head, noise, rows, A);
      const grad = tanhGaussianBackward(s, cA, cL);
      const h = 1e-3;
      for (let k = 0; k < head.length; k++) {
        const plus = head.slice(), minus = head.slice();
        plus[k] = plus[k]! + h;
        minus[k] = minus[k]! - h;
        const fd = (loss(plus, noise, cA, cL) - loss(minus, noise, cA, cL)) / (plus[k]! - minus[k]!);
        expect(Math.abs(grad[k]! - fd)).toBeLessThan(5e-3 + 1e-2 * Math.abs(fd));
      }
    }
  });
});
