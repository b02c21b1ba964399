import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { ContinuousRewardModel, bradleyTerry, type ContinuousPairBatch, type ContinuousSegmentBatch } from './reward-model';

const O = 3, A = 1, H = 4, M = 3;

function randomBatch(seed: number): ContinuousPairBatch {
  const rng = makeRng(seed);
  const seg = (): ContinuousSegmentBatch => ({
    count: M, length: H,
    obs: Float32Array.from({ length: M * H * O }, () => rng.normal()),
    actions: Float32Array.from({ length: M * H * A }, () => 2 * rng.next() - 1),
    // The last clip is a step shorter: padding must not count.
    mask: Float32Array.from({ length: M * H }, (_, i) => (i === M * H - 1 ? 0 : 1)),
  });
  return { first: seg(), second: seg(), y: Float32Array.of(1, 0, 0.5), count: M };
}

/** The objective written directly from its definition, in float64. */
function objective(model: ContinuousRewardModel, batch: ContinuousPairBatch, rewardL2: number): number {
  const r1 = model.rewards(batch.first.obs, batch.first.actions, M * H), r2 = model.rewards(batch.second.obs, batch.second.actions, M * H);
  let bt = 0, sq = 0, steps = 0;
  for (let m = 0; m < M; m++) {
    let R1 = 0, R2 = 0;
    for (let h = 0; h < H; h++) {
      const i = m * H + h;
      R1 += batch.first.mask[i]! * r1[i]!;
      R2 += batch.second.mask[i]! * r2[i]!;
      sq += batch.first.mask[i]! * r1[i]! ** 2 + batch.second.mask[i]! * r2[i]! ** 2;
      steps += batch.first.mask[i]! + batch.second.mask[i]!;
    }
    bt += bradleyTerry(R1 - R2, batch.y[m]!) / M;
  }
  return bt + (rewardL2 * sq) / steps;
}

describe('continuous reward model r(s, a) on the kernel', () => {
  it('Bradley-Terry + scale penalty: value as defined, gradient by central finite differences', () => {
    const model = new ContinuousRewardModel({ obsSize: O, actionSize: A, hiddenSizes: [8], learningRate: 1e-3, weightDecay: 0, seed: 2 });
    const batch = randomBatch(9);
    const { value, grad } = model.exploitationGradient(batch, 0.1);
    expect(value).toBeCloseTo(objective(model, batch, 0.1), 5);
    const p = model.net.params(), h = 1e-2;
    for (let k = 0; k < p.length; k += 3) {
      const keep = p[k]!;
      p[k] = keep + h;
      const plus = objective(model, batch, 0.1);
      p[k] = keep - h;
      const minus = objective(model, batch, 0.1);
      p[k] = keep;
      const fd = (plus - minus) / (2 * h);
      expect(Math.abs(grad[k]! - fd)).toBeLessThan(1e-3 + 1e-2 * Math.abs(fd));
    }
  });

  it('bradleyTerry is -log P(the label) under P(first) = sigmoid(delta)', () => {
    const sig = (d: number) => 1 / (1 + Math.exp(-d));
    for (const d of [-3, -0.2, 0, 1.7]) {
      expect(bradleyTerry(d, 1)).toBeCloseTo(-Math.log(sig(d)), 10);
      expect(bradleyTerry(d, 0)).toBeCloseTo(-Math.log(1 - sig(d)), 10);
      expect(bradleyTerry(d, 0.5)).toBeCloseTo(-0.5 * Math.log(sig(d)) - 0.5 * Math.log(1 - sig(d)), 10);
    }
  });
});
