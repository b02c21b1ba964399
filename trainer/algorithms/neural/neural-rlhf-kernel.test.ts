import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { RewardModel, makeRewardModelConfig } from '../../models/reward-model';
import { makeSegmentBatch } from '../../models/segment-batch';
import { useTestBackend } from '../../../tests/helpers/trainer/test-backend';
import { getEnv } from '../../envs';
import type { Env } from '../../envs/types';
import type { LabeledPair } from '../../preference/types';
import { ExperienceCollector, cutSegment, validSegmentStarts } from './experience';
import type { ExplorationRows } from './exploration-rows';
import { addScaled, exploitationGrads, explorationGrads, globalNorm, packPairs, type Grads, type PairBatch } from './neural-rlhf';
import { DEFAULT_NEURAL_STOC_SOBIRL, makeNeuralStocSobirl } from './stoc-sobirl';

beforeAll(useTestBackend);

/** A tfjs gradient map flattened in the model's variable order (the JS kernel's layout). */
function flatten(model: RewardModel, grads: Grads): Float32Array {
  if (grads instanceof Float32Array) return grads;
  const parts = model.variables().map((v) => grads[v.name]!.dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function randomPairBatch(count: number, length: number, seed: number): PairBatch {
  const rng = makeRng(seed);
  const segments = () => makeSegmentBatch(Array.from({ length: count }, () => {
    const steps = 1 + rng.int(length);
    return { observations: Array.from({ length: steps }, () => Array.from({ length: 4 }, () => rng.normal())), actions: Array.from({ length: steps }, () => rng.int(2)) };
  }), 4, length);
  return { first: segments(), second: segments(), y: Float32Array.from({ length: count }, () => [0, 0.5, 1][rng.int(3)]!), count };
}

describe('upper-level gradients on the JS kernel equal tfjs autodiff', () => {
  const config = makeRewardModelConfig({ obsSize: 4, numActions: 2, hiddenSizes: [32, 16], ensembleSize: 2, seed: 12 });

  it('the exploitation loss (Bradley-Terry on ensemble-mean returns + reward-scale penalty): value and gradient', () => {
    const js = new RewardModel(config, { kernel: 'js' }), ref = new RewardModel(config, { kernel: 'tfjs' });
    const batch = randomPairBatch(16, 7, 3);
    for (const rewardL2 of [0, 0.3]) {
      const a = exploitationGrads(js, batch, rewardL2), b = exploitationGrads(ref, batch, rewardL2);
      expect(a.grads).toBeInstanceOf(Float32Array);
      expect(Math.abs(a.value - b.value)).toBeLessThan(1e-5);
      const want = flatten(ref, b.grads);
      expect(maxAbsDiff(flatten(js, a.grads), want)).toBeLessThan(1e-5);
      expect(globalNorm(a.grads)).toBeCloseTo(globalNorm(b.grads), 4);
      expect(globalNorm(b.grads)).toBeGreaterThan(1e-2);
      tf.dispose(Object.values(b.grads as tf.NamedTensorMap));
    }
    js.dispose();
    ref.dispose();
  });

  it('the exploration surrogate sum_n w_n coef[pair_n] r(o_n, a_n), and addScaled / a step with it', () => {
    const js = new RewardModel(config, { kernel: 'js' }), ref = new RewardModel(config, { kernel: 'tfjs' });
    const rng = makeRng(4), R = 40;
    const rows: ExplorationRows = {
      obs: Float32Array.from({ length: R * 4 }, () => rng.normal()), actions: Int32Array.from({ length: R }, () => rng.int(2)),
      weights: Float32Array.from({ length: R }, () => rng.normal()), pair: Int32Array.from({ length: R }, () => rng.int(5)), count: R,
    };
    const coef = Float64Array.from({ length: 5 }, () => rng.normal());
    const a = explorationGrads(js, rows, coef), b = explorationGrads(ref, rows, coef);
    expect(maxAbsDiff(flatten(js, a), flatten(ref, b))).toBeLessThan(1e-5);
    // One combined step on each (the kernel's Adam vs tfjs'): the same weights after.
    const batch = randomPairBatch(8, 5, 6);
    const ea = exploitationGrads(js, batch, 0.1), eb = exploitationGrads(ref, batch, 0.1);
    js.applyGradients(addScaled(ea.grads, a, 0.5));
    const combined = addScaled(eb.grads, b, 0.5);
    ref.applyGradients(combined);
    const wa = js.namedWeights().map((w) => w.variable.dataSync() as Float32Array), wb = ref.namedWeights().map((w) => w.variable.dataSync() as Float32Array);
    wa.forEach((w, i) => expect(maxAbsDiff(w, wb[i]!)).toBeLessThan(1e-5));
    tf.dispose([...Object.values(b as tf.NamedTensorMap), ...Object.values(eb.grads as tf.NamedTensorMap), ...Object.values(combined)]);
    js.dispose();
    ref.dispose();
  });
});

describe('Stoc-SoBiRL on the JS kernel takes the steps tfjs takes', () => {
  it('mini-batches with the STORM correction and the exploration half, over two outer iterations: same weights and metrics', async () => {
    const cartpole = getEnv('cartpole') as Env;
    const rng = makeRng(8);
    const uniform = (_obs: Float32Array, n: number) => new Float32Array(2 * n).fill(0.5);
    const transitions = new ExperienceCollector(cartpole, 2, rng).collect(uniform, 400);
    const starts = validSegmentStarts(transitions, 10);
    const pairs: LabeledPair[] = Array.from({ length: 24 }, (_, i) => ({
      first: cutSegment('cartpole', transitions, starts[i]!, 10), second: cutSegment('cartpole', transitions, starts[starts.length - 1 - i]!, 10), y: ([1, 0, 0.5] as const)[i % 3]!,
    }));
    const all = packPairs(cartpole, pairs, 10), fresh = packPairs(cartpole, pairs.slice(0, 8), 10);
    // batchSize < pairs: each step's batch differs, so the momentum's correction term is not zero.
    const config = { ...DEFAULT_NEURAL_STOC_SOBIRL, upperSteps: 4, batchSize: 12, exploreWarmup: 0, rolloutSteps: 4, beta0: 0.1, muScale: 10, rewardModel: { hiddenSizes: [16, 8] } };
    const saved = process.env.SOBIRL_KERNEL;
    const build = (kernel: 'js' | 'tfjs') => {
      process.env.SOBIRL_KERNEL = kernel;
      try {
        return makeNeuralStocSobirl(4, 2, 4, 0.99, 0.05, config);
      } finally {
        if (saved === undefined) delete process.env.SOBIRL_KERNEL;
        else process.env.SOBIRL_KERNEL = saved;
      }
    };
    const js = build('js'), ref = build('tfjs');
    expect([js.rewardModel.kernel, ref.rewardModel.kernel]).toEqual(['js', 'tfjs']);
    const before = ref.rewardModel.variables().map((v) => v.dataSync().slice() as Float32Array);
    try {
      for (let k = 0; k < 2; k++) {
        const input = { env: cartpole, all, fresh, freshPairs: pairs.slice(0, 8), policy: uniform, k };
        const a = await js.update(input), b = await ref.update(input);
        expect(b['hypergrad/explore']).toBeGreaterThan(0); // the exploration half took part
        for (const key of Object.keys(b) as Array<keyof typeof b>) expect(Math.abs(a[key] - b[key]) / Math.max(1, Math.abs(b[key])), key).toBeLessThan(1e-5);
      }
      const wa = js.rewardModel.variables().map((v) => v.dataSync() as Float32Array), wb = ref.rewardModel.variables().map((v) => v.dataSync() as Float32Array);
      wa.forEach((w, i) => expect(maxAbsDiff(w, wb[i]!)).toBeLessThan(1e-5));
      expect(Math.max(...wb.map((w, i) => maxAbsDiff(w, before[i]!)))).toBeGreaterThan(1e-3); // the steps moved x
    } finally {
      js.dispose();
      ref.dispose();
    }
  });
});
