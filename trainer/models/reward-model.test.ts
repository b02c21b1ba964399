import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { bradleyTerryLoss, makeRewardModelConfig, RewardModel } from './reward-model';
import { makeSegmentBatch, type SegmentBatch } from './segment-batch';
import { makeSoftQConfig, SoftQLearner } from './soft-q';
import { useTestBackend } from '../../tests/helpers/trainer/test-backend';

beforeAll(useTestBackend);

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Random segments with lengths in [minLength, maxLength] (shorter ones exercise the padding mask). */
function randomSegments(count: number, obsSize: number, numActions: number, minLength: number, maxLength: number, seed: number) {
  const rng = makeRng(seed);
  return Array.from({ length: count }, () => {
    const h = minLength + rng.int(maxLength - minLength + 1);
    return {
      observations: Array.from({ length: h }, () => Array.from({ length: obsSize }, () => rng.normal())),
      actions: Array.from({ length: h }, () => rng.int(numActions)),
    };
  });
}

const snapshot = (vars: tf.Variable[]) => vars.map((v) => Float32Array.from(v.dataSync()));

describe('bradleyTerryLoss', () => {
  const deltas = [-30, -3, -0.7, 0, 0.4, 2.5, 30];
  const labels = [1, 0, 0.5, 1, 0.5, 0, 1];
  const returnsSecond = deltas.map((_, i) => 0.1 * i);
  const returnsFirst = deltas.map((d, i) => d + returnsSecond[i]!);

  it('equals -[y log sig(d) + (1 - y) log sig(-d)] averaged over pairs, stable for large |d|', () => {
    const loss = tf.tidy(() => bradleyTerryLoss(tf.tensor1d(returnsFirst), tf.tensor1d(returnsSecond), labels).dataSync()[0]!);
    // Direct evaluation in float64 (log1p form so that d = +-30 stays exact here too).
    const logSig = (z: number) => (z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z)));
    const expected = deltas.reduce((acc, d, i) => acc - (labels[i]! * logSig(d) + (1 - labels[i]!) * logSig(-d)), 0) / deltas.length;
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo(expected, 4);
  });

  it('has gradient (sig(d) - y) / M w.r.t. the first returns and its negative w.r.t. the second', () => {
    const [g1, g2] = tf.tidy(() => {
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => bradleyTerryLoss(a, b, labels))([tf.tensor1d(returnsFirst), tf.tensor1d(returnsSecond)]);
      return grads.map((g) => Array.from(g.dataSync()));
    });
    deltas.forEach((d, i) => {
      const closedForm = (sigmoid(d) - labels[i]!) / deltas.length;
      expect(g1![i]).toBeCloseTo(closedForm, 6);
      expect(g2![i]).toBeCloseTo(-closedForm, 6);
    });
  });

  it('matches central finite differences of the loss itself', () => {
    const f = (first: number[]) => tf.tidy(() => bradleyTerryLoss(tf.tensor1d(first, 'float32'), tf.tensor1d(returnsSecond), labels).dataSync()[0]!);
    const g = tf.tidy(() => Array.from(tf.grad((a: tf.Tensor) => bradleyTerryLoss(a, tf.tensor1d(returnsSecond), labels))(tf.tensor1d(returnsFirst)).dataSync()));
    const eps = 1e-2;
    returnsFirst.forEach((_, i) => {
      const up = [...returnsFirst], down = [...returnsFirst];
      up[i]! += eps;
      down[i]! -= eps;
      expect(Math.abs((f(up) - f(down)) / (2 * eps) - g[i]!)).toBeLessThan(2e-4);
    });
  });
});

describe('RewardModel', () => {
  const config = makeRewardModelConfig({ obsSize: 3, numActions: 2, hiddenSizes: [8, 8], activation: 'tanh', seed: 4 });

  it('sums r(s_h, a_h) over each segment, skipping padded steps', () => {
    const model = new RewardModel(config);
    const segments = randomSegments(5, 3, 2, 2, 6, 1);
    const batch = makeSegmentBatch(segments, 3);
    const returns = model.predictSegmentReturns(batch);
    segments.forEach((seg, m) => {
      const all = tf.tidy(() => model.rewardsAllActions(tf.tensor2d(seg.observations as number[][])).arraySync());
      const expected = seg.actions.reduce((acc, a, h) => acc + all[h]![a]!, 0);
      expect(returns[m]).toBeCloseTo(expected, 4);
    });
    model.dispose();
  });

  it.each(['tanh', 'relu'] as const)('has the preference-loss gradient of finite differences along a random direction in weight space (%s)', (activation) => {
    // relu runs through tfjs' fused matmul+bias+relu kernel and its own gradient.
    const model = new RewardModel({ ...config, activation });
    const first = makeSegmentBatch(randomSegments(6, 3, 2, 3, 4, 2), 3, 4);
    const second = makeSegmentBatch(randomSegments(6, 3, 2, 3, 4, 3), 3, 4);
    const y = [1, 0, 0.5, 1, 1, 0];
    const loss = () => tf.tidy(() => model.preferenceLoss(first, second, y).dataSync()[0]!);
    const rng = makeRng(5);
    const vars = model.variables();
    const direction = vars.map((v) => Float32Array.from({ length: v.size }, () => rng.normal()));
    const { grads } = tf.variableGrads(() => model.preferenceLoss(first, second, y), vars);
    const analytic = vars.reduce((acc, v, i) => acc + Array.from(grads[v.name]!.dataSync()).reduce((s, g, j) => s + g * direction[i]![j]!, 0), 0);
    tf.dispose(Object.values(grads));
    const original = snapshot(vars);
    const shift = (t: number) => vars.forEach((v, i) => v.assign(tf.tensor(original[i]!.map((w, j) => w + t * direction[i]![j]!), v.shape)));
    const eps = 1e-2;
    shift(eps);
    const up = loss();
    shift(-eps);
    const down = loss();
    shift(0);
    // float32 forward passes: a relative tolerance of a few percent is what FD can resolve here.
    expect(Math.abs((up - down) / (2 * eps) - analytic)).toBeLessThan(0.03 * Math.abs(analytic) + 1e-3);
    expect(Math.abs(analytic)).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('is seeded: the same seed gives the same weights, another seed different ones', () => {
    const a = new RewardModel(config), b = new RewardModel(config), c = new RewardModel({ ...config, seed: 5 });
    expect(snapshot(a.variables()).map((w) => Array.from(w))).toEqual(snapshot(b.variables()).map((w) => Array.from(w)));
    expect(Array.from(snapshot(c.variables())[0]!)).not.toEqual(Array.from(snapshot(a.variables())[0]!));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('as an ensemble: the reward is the members\' mean, and members disagree', () => {
    const model = new RewardModel({ ...config, ensembleSize: 3 });
    const obs = tf.tensor2d([[0.1, 0.2, 0.3], [-1, 0, 2]]);
    const [mean, members] = tf.tidy(() => [model.rewards(obs, [1, 0]).arraySync(), model.memberRewards(obs, [1, 0]).arraySync()] as const);
    mean.forEach((v, n) => expect(v).toBeCloseTo((members[0]![n]! + members[1]![n]! + members[2]![n]!) / 3, 5));
    const batch = makeSegmentBatch(randomSegments(4, 3, 2, 5, 5, 7), 3);
    const std = model.segmentReturnStd(batch);
    const memberReturns = tf.tidy(() => model.memberSegmentReturns(batch).arraySync());
    std.forEach((s, m) => {
      const rs = memberReturns.map((row) => row[m]!);
      const mu = rs.reduce((x, y) => x + y, 0) / 3;
      expect(s).toBeCloseTo(Math.sqrt(rs.reduce((acc, r) => acc + (r - mu) ** 2, 0) / 3), 4);
      expect(s).toBeGreaterThan(0);
    });
    obs.dispose();
    model.dispose();
  });

  it('learns a Bradley-Terry teacher\'s preferences on a toy problem', () => {
    // True reward: r(s, a) = s_0 if a = 0 else -s_1. Labels from its returns (deterministic teacher).
    const trueReturn = (seg: { observations: readonly (readonly number[])[]; actions: readonly number[] }) =>
      seg.actions.reduce((acc, a, h) => acc + (a === 0 ? seg.observations[h]![0]! : -seg.observations[h]![1]!), 0);
    const pairs = (seed: number): { first: SegmentBatch; second: SegmentBatch; y: number[] } => {
      const a = randomSegments(64, 3, 2, 5, 5, seed), b = randomSegments(64, 3, 2, 5, 5, seed + 1000);
      return { first: makeSegmentBatch(a, 3), second: makeSegmentBatch(b, 3), y: a.map((s, i) => (trueReturn(s) > trueReturn(b[i]!) ? 1 : 0)) };
    };
    const model = new RewardModel({ ...config, activation: 'relu', hiddenSizes: [16], learningRate: 1e-2 });
    const train = pairs(1), test = pairs(2);
    const accuracy = () => {
      const r1 = model.predictSegmentReturns(test.first), r2 = model.predictSegmentReturns(test.second);
      return test.y.filter((y, i) => (r1[i]! > r2[i]! ? 1 : 0) === y).length / test.y.length;
    };
    const before = accuracy();
    for (let i = 0; i < 150; i++) model.update(() => model.preferenceLoss(train.first, train.second, train.y));
    expect(accuracy()).toBeGreaterThan(0.85);
    expect(accuracy()).toBeGreaterThan(before);
    model.dispose();
  });

  it('updates only its own weights (explicit varList) and rejects gradients of other weights', () => {
    const model = new RewardModel(config);
    const learner = new SoftQLearner(makeSoftQConfig({ obsSize: 3, numActions: 2, hiddenSizes: [4], seed: 1 }));
    const first = makeSegmentBatch(randomSegments(4, 3, 2, 3, 3, 8), 3), second = makeSegmentBatch(randomSegments(4, 3, 2, 3, 3, 9), 3);
    const qBefore = snapshot(learner.variables()), rBefore = snapshot(model.variables());
    // The loss also reads the Q network: with the explicit varList, still only reward weights move.
    model.update(() => tf.add(model.preferenceLoss(first, second, [1, 0, 1, 0]), tf.mul(0.1, tf.sum(learner.qValues(tf.tensor2d(first.obs, [12, 3]))))));
    snapshot(learner.variables()).forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(qBefore[i]!)));
    expect(snapshot(model.variables()).some((w, i) => w.some((v, j) => v !== rBefore[i]![j]))).toBe(true);
    const { grads } = tf.variableGrads(() => tf.sum(learner.qValues(tf.tensor2d([[1, 2, 3]]))), learner.variables());
    expect(() => model.applyGradients(grads)).toThrow(/not one of its weights/);
    tf.dispose(Object.values(grads));
    model.dispose();
    learner.dispose();
  });

  it('applies decoupled weight decay to kernels', () => {
    const model = new RewardModel({ ...config, weightDecay: 0.5, learningRate: 0.1 });
    const kernels = model.namedWeights().filter((w) => w.name.endsWith('kernel')).map((w) => w.variable);
    const before = snapshot(kernels);
    const zeroGrads = Object.fromEntries(model.variables().map((v) => [v.name, tf.zerosLike(v)]));
    model.applyGradients(zeroGrads); // Adam with zero gradients moves nothing: only the decay acts
    snapshot(kernels).forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(before[i]![j]! * (1 - 0.1 * 0.5), 5)));
    tf.dispose(Object.values(zeroGrads));
    model.dispose();
  });

  it('leaks no tensors in an update, predictions or the disagreement', () => {
    const model = new RewardModel({ ...config, ensembleSize: 2, weightDecay: 1e-3 });
    const first = makeSegmentBatch(randomSegments(8, 3, 2, 2, 5, 10), 3, 5), second = makeSegmentBatch(randomSegments(8, 3, 2, 2, 5, 11), 3, 5);
    const y = [1, 0, 0.5, 1, 0, 0.5, 1, 0];
    model.update(() => model.preferenceLoss(first, second, y)); // creates Adam's slot variables once
    const before = tf.memory().numTensors;
    model.update(() => model.preferenceLoss(first, second, y));
    model.predictSegmentReturns(first);
    model.segmentReturnStd(first);
    model.predictRewards(new Float32Array(6), new Int32Array([0, 1]));
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('frees every tensor it made (weights, Adam slots) on dispose', () => {
    const before = tf.memory().numTensors;
    const model = new RewardModel({ ...config, ensembleSize: 2 });
    const batch = makeSegmentBatch(randomSegments(2, 3, 2, 3, 3, 12), 3);
    model.update(() => model.preferenceLoss(batch, batch, [1, 0]));
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad inputs with clear errors', () => {
    const model = new RewardModel(config);
    expect(() => model.rewards(tf.zeros([2, 4]) as tf.Tensor2D, [0, 1])).toThrow(/obs must be \[N, 3\]/);
    expect(() => tf.tidy(() => model.rewards(tf.zeros([2, 3]) as tf.Tensor2D, [0, 2]))).toThrow(/outside \[0, 2\)/);
    expect(() => makeSegmentBatch([{ observations: [[1, 2, 3]], actions: [0, 1] }], 3)).toThrow(/1 observations for 2 actions/);
    expect(() => makeRewardModelConfig({ obsSize: 0, numActions: 2 })).toThrow(/obsSize/);
    model.dispose();
  });
});
