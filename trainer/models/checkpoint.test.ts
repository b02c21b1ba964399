import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { CHECKPOINT_FORMAT_VERSION, CheckpointError, loadRewardModel, loadSoftQ, readCheckpointHeader, saveCheckpoint } from './checkpoint';
import { makeRewardModelConfig, RewardModel } from './reward-model';
import { makeSoftQConfig, SoftQLearner } from './soft-q';
import { useTestBackend } from '../../tests/helpers/trainer/test-backend';
import { withHeader } from '../../tests/helpers/trainer/checkpoint';

beforeAll(useTestBackend);

const rewardConfig = makeRewardModelConfig({ obsSize: 4, numActions: 2, hiddenSizes: [6, 5], ensembleSize: 2, seed: 3 });
const softQConfig = makeSoftQConfig({ obsSize: 4, numActions: 2, hiddenSizes: [7], seed: 4, targetUpdateRate: 0.5 });
const probe = () => tf.tensor2d(Array.from({ length: 20 }, (_, i) => Math.sin(i)), [5, 4]);

describe('checkpoints', () => {
  it('round-trips a reward model (ensemble): identical outputs and config', async () => {
    const model = new RewardModel(rewardConfig);
    // Train a step so the weights are not just the seeded initialisation the config reproduces.
    const obs = probe();
    model.update(() => tf.mean(tf.square(tf.sub(model.rewards(obs, [0, 1, 0, 1, 1]), 3))));
    const blob = await saveCheckpoint(model);
    const loaded = await loadRewardModel(blob);
    expect(loaded.config).toEqual(model.config);
    const [a, b] = tf.tidy(() => [model.memberRewardsAllActions(obs).arraySync(), loaded.memberRewardsAllActions(obs).arraySync()]);
    expect(b).toEqual(a);
    const fresh = new RewardModel(rewardConfig);
    expect(tf.tidy(() => fresh.memberRewardsAllActions(obs).arraySync())).not.toEqual(a);
    [model, loaded, fresh, obs].forEach((x) => x.dispose());
  });

  it('loads from a Node Buffer that is a view into a larger memory (as SQLite returns blobs)', async () => {
    const model = new RewardModel(rewardConfig);
    const blob = await saveCheckpoint(model);
    // Bytes before and after the blob in the same ArrayBuffer, as in Buffer's shared pool.
    const pool = Buffer.alloc(blob.byteLength + 64, 0xab);
    pool.set(blob, 32);
    const view = pool.subarray(32, 32 + blob.byteLength);
    const loaded = await loadRewardModel(view);
    const obs = probe();
    const [a, b] = tf.tidy(() => [model.memberRewardsAllActions(obs).arraySync(), loaded.memberRewardsAllActions(obs).arraySync()]);
    expect(b).toEqual(a);
    [model, loaded, obs].forEach((x) => x.dispose());
  });

  it('round-trips a soft-Q learner: online and target networks, hence the policy', async () => {
    const learner = new SoftQLearner(softQConfig);
    const rng = makeRng(1);
    const batch = {
      size: 8, obsSize: 4,
      obs: Float32Array.from({ length: 32 }, () => rng.normal()), actions: Int32Array.from({ length: 8 }, () => rng.int(2)),
      nextObs: Float32Array.from({ length: 32 }, () => rng.normal()), done: new Float32Array(8),
    };
    for (let i = 0; i < 3; i++) learner.update(batch, () => new Float32Array(8).fill(1)); // online != target now
    const loaded = await loadSoftQ(await saveCheckpoint(learner));
    const obs = probe();
    const outputs = (l: SoftQLearner) => tf.tidy(() => [l.qValues(obs).arraySync(), l.targetQValues(obs).arraySync()]);
    expect(outputs(loaded)).toEqual(outputs(learner));
    expect(Array.from(loaded.targets(batch, () => new Float32Array(8)))).toEqual(Array.from(learner.targets(batch, () => new Float32Array(8))));
    [learner, loaded, obs].forEach((x) => x.dispose());
  });

  it('describes itself: the header names the format version, kind and config', async () => {
    const model = new RewardModel(rewardConfig);
    const header = readCheckpointHeader(await saveCheckpoint(model));
    expect(header.formatVersion).toBe(CHECKPOINT_FORMAT_VERSION);
    expect(header.kind).toBe('reward-model');
    expect(header.config).toEqual(rewardConfig);
    expect(header.weightSpecs.map((s) => s.name)).toContain('m1/l2/bias');
    model.dispose();
  });

  it('refuses corrupt, truncated, mismatched or foreign blobs with clear errors and no leak', async () => {
    const model = new RewardModel(rewardConfig);
    const learner = new SoftQLearner(softQConfig);
    const blob = await saveCheckpoint(model);
    const before = tf.memory().numTensors;

    const flipped = blob.slice();
    flipped[flipped.length - 3]! ^= 0x10;
    await expect(loadRewardModel(flipped)).rejects.toThrow(/corrupt: the weights fail their checksum/);
    await expect(loadRewardModel(blob.slice(0, blob.length - 10))).rejects.toThrow(/truncated or corrupt: \d+ bytes of weights expected/);
    await expect(loadRewardModel(blob.slice(0, 30))).rejects.toThrow(/truncated: its header needs/);
    await expect(loadRewardModel(new TextEncoder().encode('{"hello": "world"}'))).rejects.toThrow(/not a SoBiRL checkpoint/);
    await expect(loadRewardModel(new Uint8Array(0))).rejects.toThrow(CheckpointError);

    const garbledHeader = blob.slice();
    garbledHeader[13] = 0x7b; // '{' where the JSON expects a key
    await expect(loadRewardModel(garbledHeader)).rejects.toThrow(/header is not valid JSON/);

    const future = withHeader(blob, (h) => { h.formatVersion = CHECKPOINT_FORMAT_VERSION + 1; });
    await expect(loadRewardModel(future, { label: 'checkpoint 12 of run 3' })).rejects.toThrow(
      `checkpoint 12 of run 3 is format v${CHECKPOINT_FORMAT_VERSION + 1}; this build reads v${CHECKPOINT_FORMAT_VERSION}`,
    );
    await expect(loadSoftQ(blob)).rejects.toThrow(/holds a reward-model, not a soft-q/);
    await expect(loadRewardModel(await saveCheckpoint(learner))).rejects.toThrow(/holds a soft-q, not a reward-model/);

    // A config that disagrees with the stored weights (wider layer): refused before any assignment.
    const wrongShape = withHeader(blob, (h) => { (h.config as { hiddenSizes: number[] }).hiddenSizes = [7, 5]; });
    await expect(loadRewardModel(wrongShape)).rejects.toThrow(/has shape \[4, 6\], the config implies \[4, 7\]/);
    const badConfig = withHeader(blob, (h) => { (h.config as { learningRate: number }).learningRate = -1; });
    await expect(loadRewardModel(badConfig)).rejects.toThrow(/invalid config: .*learningRate/);

    // Failed loads dispose whatever they built: no half-loaded model lingers in tfjs memory.
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    learner.dispose();
  });
});
