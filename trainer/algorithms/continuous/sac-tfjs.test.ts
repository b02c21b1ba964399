import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { useTestBackend } from '../../../tests/helpers/trainer/test-backend';
import { ContinuousReplay } from './replay';
import { DEFAULT_SAC, SacLearner } from './sac';
import { TfjsSac } from './sac-tfjs';

beforeAll(async () => {
  await useTestBackend();
});

describe('kernel SAC against the same update in tfjs autodiff', () => {
  it('gives the same actor and critic weights after 5 updates from the same start and noise', () => {
    const O = 3, A = 2;
    const sac = new SacLearner({ ...DEFAULT_SAC, hiddenSizes: [16, 16], batchSize: 32, obsSize: O, actionSize: A, gamma: 0.95, alpha: 0.3, entropy: 'fixed', seed: 4 });
    const reference = new TfjsSac(sac);
    const data = makeRng(1);
    const replay = new ContinuousReplay(200, O, A);
    for (let i = 0; i < 200; i++) {
      replay.add([data.normal(), data.normal(), data.normal()], [2 * data.next() - 1, 2 * data.next() - 1], [data.normal(), data.normal(), data.normal()], data.next() < 0.1, data.normal());
    }
    const before = sac.actor.params().slice();
    const batches = makeRng(2), kernelNoise = makeRng(3), tfNoise = makeRng(3);
    try {
      for (let i = 0; i < 5; i++) {
        const batch = replay.sample(32, batches);
        sac.update(batch, batch.trueRewards, kernelNoise);
        reference.update(batch, batch.trueRewards, tfNoise);
      }
      const close = (a: Float32Array, b: Float32Array) => {
        let worst = 0;
        a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[i]!))));
        return worst;
      };
      expect(close(sac.actor.params(), reference.actorParams())).toBeLessThan(1e-4);
      expect(close(sac.critics[0].params(), reference.criticParams(0))).toBeLessThan(1e-4);
      expect(close(sac.critics[1].params(), reference.criticParams(1))).toBeLessThan(1e-4);
      // The updates moved the actor by much more than the tolerance.
      expect(close(sac.actor.params(), before)).toBeGreaterThan(1e-3);
    } finally {
      reference.dispose();
    }
  });
});
