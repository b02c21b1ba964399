import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { loadSoftQ, saveCheckpoint } from '../checkpoint';
import { ReplayBuffer } from '../replay-buffer';
import { RewardModel, makeRewardModelConfig } from '../reward-model';
import { makeSegmentBatch, type SegmentBatch } from '../segment-batch';
import { SoftQLearner, makeSoftQConfig, type SoftQConfig } from '../soft-q';
import { useTestBackend } from '../../../tests/helpers/trainer/test-backend';
import { chooseKernel } from './select';

beforeAll(useTestBackend);

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

function weightsOf(model: { namedWeights(): Array<{ name: string; variable: tf.Variable }> }): Map<string, Float32Array> {
  return new Map(model.namedWeights().map((w) => [w.name, w.variable.dataSync() as Float32Array]));
}

function expectSameWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>, tol: number): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, values] of a) expect(maxRelErr(values, b.get(name)!), name).toBeLessThanOrEqual(tol);
}

function randomReplay(obsSize: number, numActions: number, seed: number): ReplayBuffer {
  const rng = makeRng(seed), replay = new ReplayBuffer(2000, obsSize);
  for (let i = 0; i < replay.capacity; i++) {
    const o = Array.from({ length: obsSize }, () => rng.normal());
    replay.add(o, rng.int(numActions), o.map((v) => v + 0.3 * rng.normal()), rng.next() < 0.05);
  }
  return replay;
}

function randomPairs(count: number, length: number, obsSize: number, numActions: number, seed: number): { first: SegmentBatch; second: SegmentBatch; y: Float32Array } {
  const rng = makeRng(seed);
  const batch = () => makeSegmentBatch(Array.from({ length: count }, () => {
    const steps = 1 + rng.int(length); // some clips shorter than the padded length (masked steps)
    return {
      observations: Array.from({ length: steps }, () => Array.from({ length: obsSize }, () => rng.normal())),
      actions: Array.from({ length: steps }, () => rng.int(numActions)),
    };
  }), obsSize, length);
  return { first: batch(), second: batch(), y: Float32Array.from({ length: count }, () => [0, 0.5, 1][rng.int(3)]!) };
}

const disposables: Array<{ dispose(): void }> = [];
afterEach(() => {
  for (const d of disposables.splice(0)) d.dispose();
});

describe('SoftQLearner: the JS kernel trains like tfjs', () => {
  const variants: Array<Partial<SoftQConfig>> = [
    { loss: 'mse', nextValue: 'target-soft-max', activation: 'relu' },
    { loss: 'huber', huberDelta: 0.5, nextValue: 'online-policy', activation: 'tanh', hiddenSizes: [24, 20] },
  ];
  for (const variant of variants) {
    it(`same targets, losses and weights over 6 updates (${variant.loss}, ${variant.nextValue}, ${variant.activation})`, () => {
      const config = makeSoftQConfig({ obsSize: 4, numActions: 3, tau: 0.2, learningRate: 3e-3, targetUpdateRate: 0.1, batchSize: 64, seed: 4, ...variant });
      const js = new SoftQLearner(config, { kernel: 'js' }), ref = new SoftQLearner(config, { kernel: 'tfjs' });
      const reward = new RewardModel(makeRewardModelConfig({ obsSize: 4, numActions: 3, seed: 8 }), { kernel: 'tfjs' });
      disposables.push(js, ref, reward);
      expect([js.kernel, ref.kernel]).toEqual(['js', 'tfjs']);
      const replay = randomReplay(4, 3, 1), rng = makeRng(2);
      for (let step = 0; step < 6; step++) {
        const batch = replay.sample(config.batchSize, rng);
        expect(maxRelErr(js.targets(batch, reward), ref.targets(batch, reward))).toBeLessThan(1e-5);
        const lossJs = js.update(batch, reward), lossRef = ref.update(batch, reward);
        expect(Math.abs(lossJs - lossRef) / Math.max(1, Math.abs(lossRef))).toBeLessThan(1e-5);
      }
      expectSameWeights(weightsOf(js), weightsOf(ref), 1e-5);
      const obs = replay.sample(50, rng).obs;
      expect(maxRelErr(js.actionProbsBatch(obs), ref.actionProbsBatch(obs))).toBeLessThan(1e-5);
      expect(maxRelErr(js.actionProbs(obs.subarray(0, 4)), ref.actionProbs(obs.subarray(0, 4)))).toBeLessThan(1e-5);
    });
  }

  it('train() returns the same mean loss on both (tfjs reads its summed losses once, at the end)', () => {
    const config = makeSoftQConfig({ obsSize: 4, numActions: 2, batchSize: 32, seed: 3 });
    const js = new SoftQLearner(config, { kernel: 'js' }), ref = new SoftQLearner(config, { kernel: 'tfjs' });
    disposables.push(js, ref);
    const replay = randomReplay(4, 2, 5);
    const reward = (obs: Float32Array, actions: Int32Array) => Float32Array.from(actions, (a, i) => obs[4 * i + 1]! + a);
    const lossJs = js.train(replay, reward, makeRng(6), 8), lossRef = ref.train(replay, reward, makeRng(6), 8);
    expect(lossRef).toBeGreaterThan(0);
    expect(Math.abs(lossJs - lossRef) / lossRef).toBeLessThan(1e-5);
    expectSameWeights(weightsOf(js), weightsOf(ref), 1e-5);
  });

  it('picks up weights written in tfjs (a restore) and checkpoints what it trained', async () => {
    const config = makeSoftQConfig({ obsSize: 4, numActions: 2, batchSize: 32, seed: 1, learningRate: 1e-2 });
    const js = new SoftQLearner(config, { kernel: 'js' }), ref = new SoftQLearner(config, { kernel: 'tfjs' });
    disposables.push(js, ref);
    const replay = randomReplay(4, 2, 3), rng = makeRng(4);
    const reward = (obs: Float32Array, actions: Int32Array) => Float32Array.from(actions, (a, i) => obs[4 * i]! * (a === 0 ? 1 : -1));
    for (let i = 0; i < 3; i++) {
      const batch = replay.sample(32, rng);
      js.update(batch, reward);
      ref.update(batch, reward);
    }
    // Write the same perturbed weights into both through tf.Variable.assign, as a checkpoint load does.
    const perturbed = ref.namedWeights().map((w) => tf.tidy(() => tf.mul(w.variable, 1.5)));
    js.namedWeights().forEach((w, i) => w.variable.assign(perturbed[i]!));
    ref.namedWeights().forEach((w, i) => w.variable.assign(perturbed[i]!));
    tf.dispose(perturbed);
    for (let i = 0; i < 3; i++) {
      const batch = replay.sample(32, rng);
      js.update(batch, reward);
      ref.update(batch, reward);
    }
    expectSameWeights(weightsOf(js), weightsOf(ref), 1e-5);
    const restored = await loadSoftQ(await saveCheckpoint(js));
    disposables.push(restored);
    expectSameWeights(weightsOf(restored), weightsOf(js), 0);
  });
});

describe('RewardModel: the JS kernel evaluates and fits like tfjs', () => {
  it('same rewards, returns, disagreement, preference losses and weights (ensemble of 3, weight decay)', () => {
    const config = makeRewardModelConfig({ obsSize: 5, numActions: 3, hiddenSizes: [30, 18], ensembleSize: 3, learningRate: 5e-3, weightDecay: 0.5, seed: 6 });
    const js = new RewardModel(config, { kernel: 'js' }), ref = new RewardModel(config, { kernel: 'tfjs' });
    disposables.push(js, ref);
    const { first, second, y } = randomPairs(20, 9, 5, 3, 7);
    for (let step = 0; step < 5; step++) {
      const lossJs = js.preferenceStep(first, second, y), lossRef = ref.preferenceStep(first, second, y);
      expect(Math.abs(lossJs - lossRef)).toBeLessThan(1e-5);
    }
    expectSameWeights(weightsOf(js), weightsOf(ref), 1e-5);
    expect(maxRelErr(js.predictSegmentReturns(first), ref.predictSegmentReturns(first))).toBeLessThan(1e-5);
    expect(maxRelErr(js.segmentReturnStd(second), ref.segmentReturnStd(second))).toBeLessThan(1e-5);
    expect(maxRelErr(js.predictRewards(first.obs, first.actions), ref.predictRewards(first.obs, first.actions))).toBeLessThan(1e-5);
    // And the fit moved the weights away from the initial ones (else the comparison is empty).
    const fresh = new RewardModel(config, { kernel: 'tfjs' });
    disposables.push(fresh);
    expect(maxRelErr(js.predictSegmentReturns(first), fresh.predictSegmentReturns(first))).toBeGreaterThan(1e-3);
  });

  it('sees an upper-level step taken in tfjs before its next evaluation', () => {
    const config = makeRewardModelConfig({ obsSize: 5, numActions: 3, seed: 2, learningRate: 0.05 });
    const js = new RewardModel(config, { kernel: 'js' });
    disposables.push(js);
    const { first, second, y } = randomPairs(10, 6, 5, 3, 9);
    const before = js.predictSegmentReturns(first);
    js.update(() => js.preferenceLoss(first, second, y)); // tfjs gradients + tfjs Adam
    const after = js.predictSegmentReturns(first);
    const expected = tf.tidy(() => js.segmentReturns(first).dataSync());
    expect(maxRelErr(after, expected)).toBeLessThan(1e-5);
    expect(maxRelErr(after, before)).toBeGreaterThan(1e-3);
  });
});

describe('the query ensemble on the JS kernel fits and scores like tfjs', () => {
  it('bootstrapPreferenceStep: same loss and weights after several steps (5 members, own bootstrap weights, weight decay, scale penalty)', () => {
    const config = makeRewardModelConfig({ obsSize: 4, numActions: 2, hiddenSizes: [32], ensembleSize: 5, learningRate: 1e-2, weightDecay: 1e-2, seed: 12 });
    const js = new RewardModel(config, { kernel: 'js' }), ref = new RewardModel(config, { kernel: 'tfjs' });
    disposables.push(js, ref);
    const { first, second, y } = randomPairs(24, 8, 4, 2, 13);
    const rng = makeRng(14);
    // Poisson-like weights with zeros (a member that never sees a pair) and repeats.
    const weights = Float32Array.from({ length: 5 * 24 }, () => [0, 0, 1, 1, 1, 2, 3][rng.int(7)]!);
    // Large enough that the penalty's gradient is a real part of the step (0.1 / H^2 in the service).
    const scaleL2 = 0.05;
    for (let step = 0; step < 6; step++) {
      const lossJs = js.bootstrapPreferenceStep(first, second, y, weights, scaleL2);
      const lossRef = ref.bootstrapPreferenceStep(first, second, y, weights, scaleL2);
      expect(Math.abs(lossJs - lossRef) / Math.max(1, Math.abs(lossRef))).toBeLessThan(1e-5);
    }
    expectSameWeights(weightsOf(js), weightsOf(ref), 1e-5);
    expect(maxRelErr(js.preferenceDisagreement(first, second), ref.preferenceDisagreement(first, second))).toBeLessThan(1e-5);
    // The fit moved the weights, and the members disagree (else both comparisons are empty).
    const fresh = new RewardModel(config, { kernel: 'tfjs' });
    disposables.push(fresh);
    expect(maxRelErr(js.predictSegmentReturns(first), fresh.predictSegmentReturns(first))).toBeGreaterThan(1e-3);
    expect(Math.max(...js.preferenceDisagreement(first, second))).toBeGreaterThan(1e-3);
  });
});

describe('kernel selection', () => {
  it('follows SOBIRL_KERNEL, rejects an unknown one, and chooses by width otherwise', () => {
    const saved = process.env.SOBIRL_KERNEL;
    try {
      process.env.SOBIRL_KERNEL = 'tfjs';
      expect(chooseKernel([4, 64, 64, 2])).toBe('tfjs');
      process.env.SOBIRL_KERNEL = 'js';
      expect(chooseKernel([4, 1024, 2])).toBe('js');
      process.env.SOBIRL_KERNEL = 'fast';
      expect(() => chooseKernel([4, 64, 2])).toThrow(/SOBIRL_KERNEL must be one of auto\|js\|tfjs, got 'fast'/);
      delete process.env.SOBIRL_KERNEL;
      expect(chooseKernel([4, 64, 64, 2])).toBe('js');
      expect(chooseKernel([4, 512, 512, 2])).toBe('js');
      expect(chooseKernel([4, 1024, 2])).toBe('tfjs');
      expect(chooseKernel([4, 64, 64, 2], 'tfjs')).toBe('tfjs');
    } finally {
      if (saved === undefined) delete process.env.SOBIRL_KERNEL;
      else process.env.SOBIRL_KERNEL = saved;
    }
  });
});
