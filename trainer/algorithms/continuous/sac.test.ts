import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { ContinuousReplay } from './replay';
import { DEFAULT_SAC, SacLearner } from './sac';

/**
 * A one-step linear-quadratic task with a known soft-optimal policy: s ~ U(-1, 1), every step
 * terminal, r(s, a) = -(a - c s)^2. Then Q(s, a) = r(s, a) and the soft-optimal policy is
 * pi*(a|s) proportional to exp(r / alpha) = N(c s, alpha / 2) (up to the box's truncation,
 * negligible here: |c s| <= 0.5 and std 0.1).
 */
const C = 0.5, ALPHA = 0.02;
const reward = (s: number, a: number) => -((a - C * s) ** 2);

function filledReplay(seed: number): ContinuousReplay {
  const rng = makeRng(seed);
  const replay = new ContinuousReplay(4000, 1, 1);
  for (let i = 0; i < 4000; i++) {
    const s = 2 * rng.next() - 1, a = 2 * rng.next() - 1;
    replay.add([s], [a], [0], true, reward(s, a));
  }
  return replay;
}

describe('SAC on a one-step linear-quadratic task (known Gaussian soft-optimal policy)', () => {
  it('learns the soft-optimal mean c s and std sqrt(alpha / 2) with alpha fixed', () => {
    const replay = filledReplay(1);
    const sac = new SacLearner({ ...DEFAULT_SAC, hiddenSizes: [32, 32], batchSize: 64, obsSize: 1, actionSize: 1, gamma: 0.9, alpha: ALPHA, entropy: 'fixed', seed: 3 });
    const rng = makeRng(2);
    const before = sampleStats(sac, 0.8);
    for (let i = 0; i < 1500; i++) {
      const batch = replay.sample(64, rng);
      sac.update(batch, batch.trueRewards, rng);
    }
    expect(sac.alpha).toBe(ALPHA);
    const std = Math.sqrt(ALPHA / 2);
    for (const s of [-0.8, 0, 0.8]) {
      const { mean, sd } = sampleStats(sac, s);
      expect(Math.abs(mean - C * s)).toBeLessThan(0.05);
      expect(sd).toBeGreaterThan(0.6 * std);
      expect(sd).toBeLessThan(1.5 * std);
    }
    // It moved: the untrained policy was not already there.
    expect(Math.abs(before.mean - C * 0.8) > 0.05 || Math.abs(before.sd - std) > 0.5 * std).toBe(true);
  });

  it('auto-tuned alpha drives the policy entropy to the target', () => {
    const replay = filledReplay(4);
    const target = -1.5; // nats; N(c s, sigma) with log sigma ~ -1.9 after tanh's correction
    const sac = new SacLearner({ ...DEFAULT_SAC, hiddenSizes: [32, 32], batchSize: 64, obsSize: 1, actionSize: 1, gamma: 0.9, alpha: 0.1, entropy: 'auto', alphaLearningRate: 3e-3, targetEntropy: target, seed: 5 });
    const rng = makeRng(6);
    let entropy = 0;
    for (let i = 0; i < 2000; i++) {
      const batch = replay.sample(64, rng);
      const m = sac.update(batch, batch.trueRewards, rng);
      if (i >= 1500) entropy += m.entropy / 500;
    }
    expect(sac.alpha).not.toBe(0.1);
    expect(Math.abs(entropy - target)).toBeLessThan(0.25);
  });
});

function sampleStats(sac: SacLearner, s: number): { mean: number; sd: number } {
  const n = 4000;
  const { actions } = sac.act(new Float32Array(n).fill(s), n, makeRng(99));
  const mean = actions.reduce((t, a) => t + a, 0) / n;
  const sd = Math.sqrt(actions.reduce((t, a) => t + (a - mean) ** 2, 0) / n);
  return { mean, sd };
}
