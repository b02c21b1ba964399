import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '@/trainer/core/rng';
import { crc32 } from '@/trainer/core/crc32';
import { CHECKPOINT_FORMAT_VERSION, readCheckpointHeader, saveCheckpoint } from '@/trainer/models/checkpoint';
import type { Activation } from '@/trainer/models/mlp';
import { makeRewardModelConfig, RewardModel } from '@/trainer/models/reward-model';
import { makeSoftQConfig, SoftQLearner } from '@/trainer/models/soft-q';
import { useTestBackend } from '@/tests/helpers/trainer/test-backend';
import {
  decodeNeuralRewardModel, NEURAL_BLOB_FORMAT, NeuralCheckpointError, readNeuralCheckpoint, rewardsAllActions, stepRewards,
} from './neuralRewardModel';
import { withHeader } from '@/tests/helpers/trainer/checkpoint';

beforeAll(useTestBackend);

/** A reward model whose every weight, biases included, is random (the constructor zeroes biases). */
function randomModel(activation: Activation, ensembleSize: number, seed: number): RewardModel {
  const model = new RewardModel(makeRewardModelConfig({ obsSize: 4, numActions: 3, hiddenSizes: [16, 8], activation, ensembleSize, seed }));
  const rng = makeRng(seed + 100);
  for (const w of model.namedWeights()) {
    const values = Float32Array.from({ length: w.variable.size }, () => rng.normal());
    tf.tidy(() => w.variable.assign(tf.tensor(values, w.variable.shape)));
  }
  return model;
}

function randomObs(n: number, obsSize: number, seed: number): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n * obsSize }, () => 2 * rng.normal());
}

describe('neural reward model decoder (no tfjs) vs tfjs', () => {
  for (const activation of ['relu', 'tanh', 'elu'] as const) {
    for (const K of [1, 3]) {
      it(`${activation}, ensemble of ${K}: r(s, a) as RewardModel.predictRewards, within 1e-5`, async () => {
        const model = randomModel(activation, K, 7 * K + activation.length);
        const blob = await saveCheckpoint(model);
        const decoded = decodeNeuralRewardModel(blob, 'probe');
        const n = 64, obs = randomObs(n, 4, K);
        let worst = 0, scale = 0;
        for (let a = 0; a < 3; a++) {
          const actions = new Int32Array(n).fill(a);
          const expected = model.predictRewards(obs, actions);
          for (let i = 0; i < n; i++) {
            const mine = rewardsAllActions(decoded, obs.subarray(i * 4, i * 4 + 4))[a]!;
            worst = Math.max(worst, Math.abs(mine - expected[i]!));
            scale = Math.max(scale, Math.abs(expected[i]!));
          }
        }
        expect(worst).toBeLessThan(1e-5);
        // The check means something only when the rewards are far from 0 (random weights: O(1..10)).
        expect(scale).toBeGreaterThan(0.5);
        expect(decoded.members).toHaveLength(K);
        model.dispose();
      });
    }
  }

  it('stepRewards picks each step\'s action (ensemble mean, mixed actions)', async () => {
    const model = randomModel('relu', 2, 5);
    const decoded = decodeNeuralRewardModel(await saveCheckpoint(model), 'probe');
    const n = 9, obs = randomObs(n, 4, 11);
    const actions = Int32Array.from({ length: n }, (_, i) => i % 3);
    const expected = model.predictRewards(obs, actions);
    const rows = Array.from({ length: n }, (_, i) => Array.from(obs.subarray(i * 4, i * 4 + 4)));
    const mine = stepRewards(decoded, rows, [...actions]);
    mine.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-5));
    expect(() => stepRewards(decoded, rows, [3])).toThrow(/outside \[0, 3\)/);
    model.dispose();
  });
});

describe('neural checkpoint framing agrees with trainer/models/checkpoint.ts', () => {
  it('same format version, same header as readCheckpointHeader', async () => {
    expect(NEURAL_BLOB_FORMAT).toBe(CHECKPOINT_FORMAT_VERSION);
    const model = randomModel('tanh', 2, 3);
    const blob = await saveCheckpoint(model);
    expect(readNeuralCheckpoint(blob, 'probe').header).toEqual(readCheckpointHeader(blob));
    model.dispose();
  });
});

describe('corrupt or foreign blobs: a clear error, never a half result', () => {
  let blob: Uint8Array;
  beforeAll(async () => {
    const model = randomModel('relu', 2, 9);
    blob = await saveCheckpoint(model);
    model.dispose();
  });
  const label = 'checkpoint 7 (iteration 3) of run 2';
  const decode = (b: Uint8Array | null) => () => decodeNeuralRewardModel(b, label);

  it('rejects a missing blob, a foreign file, a tabular vector and truncation', () => {
    expect(decode(null)).toThrow(/has no reward-model blob/);
    expect(decode(new TextEncoder().encode('{"not":"a checkpoint"}'))).toThrow(/not a SoBiRL neural checkpoint/);
    const tabular = new Uint8Array(24);
    tabular.set(new TextEncoder().encode('SOBIRLTV'));
    expect(decode(tabular)).toThrow(/not a SoBiRL neural checkpoint/);
    expect(decode(blob.subarray(0, 40))).toThrow(/truncated/);
    expect(decode(blob.subarray(0, blob.length - 4))).toThrow(/truncated or corrupt/);
  });

  it('rejects a flipped weight bit by its checksum, naming the checkpoint', () => {
    const torn = blob.slice();
    torn[torn.length - 3] = torn[torn.length - 3]! ^ 0x10;
    expect(decode(torn)).toThrow(NeuralCheckpointError);
    expect(decode(torn)).toThrow(`${label} is corrupt: the weights fail their checksum`);
  });

  it('rejects another version, a soft-Q checkpoint, a bad config, missing or extra weights', async () => {
    expect(decode(withHeader(blob, (h) => (h.formatVersion = 2)))).toThrow(/format v2; this build reads v1/);
    expect(decode(withHeader(blob, (h) => (h.config = { ...(h.config as object), activation: 'gelu' })))).toThrow(/unknown activation "gelu"/);
    expect(decode(withHeader(blob, (h) => (h.config = { ...(h.config as object), hiddenSizes: [16, 9] })))).toThrow(/shape/);
    expect(decode(withHeader(blob, (h) => (h.config = { ...(h.config as object), ensembleSize: 3 })))).toThrow(/lacks weight 'm2\/l0\/kernel'/);
    expect(decode(withHeader(blob, (h) => (h.config = { ...(h.config as object), ensembleSize: 1 })))).toThrow(/weights this reward model does not: m1\//);
    expect(decode(withHeader(blob, (h) => ((h.weightSpecs as Array<{ name: string }>)[0]!.name = 'm0/l0/kernel2')))).toThrow(/lacks weight 'm0\/l0\/kernel'/);
    expect(decode(withHeader(blob, (h) => ((h.weightSpecs as Array<{ dtype: string }>)[0]!.dtype = 'int32')))).toThrow(/is int32/);
    const learner = new SoftQLearner(makeSoftQConfig({ obsSize: 4, numActions: 3, hiddenSizes: [5], seed: 1 }));
    expect(decode(await saveCheckpoint(learner))).toThrow(/holds a soft-q, not a reward-model/);
    learner.dispose();
  });

  it('rejects non-finite weights (a diverged run) rather than returning NaN rewards', () => {
    const poisoned = blob.slice();
    const length = new DataView(poisoned.buffer).getUint32(8, true);
    const at = 12 + length; // the first float32 of the first weight
    new DataView(poisoned.buffer).setFloat32(at, Number.NaN, true);
    const fixed = withHeader(poisoned, (h) => (h.weightCrc32 = crc32(poisoned.subarray(at))));
    expect(decode(fixed)).toThrow(/non-finite/);
  });
});
