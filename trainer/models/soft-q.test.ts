import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { ReplayBuffer, type TransitionBatch } from './replay-buffer';
import { RewardModel, makeRewardModelConfig } from './reward-model';
import { makeSoftQConfig, SoftQLearner } from './soft-q';
import { useTestBackend } from '../../tests/helpers/trainer/test-backend';

beforeAll(useTestBackend);

/** A random tabular MDP: P[s][a] a distribution over next states, r[s][a] in [-1, 1]. */
function randomMdp(S: number, A: number, seed: number) {
  const rng = makeRng(seed);
  const P = Array.from({ length: S }, () =>
    Array.from({ length: A }, () => {
      const w = Array.from({ length: S }, () => rng.next() ** 2);
      const total = w.reduce((x, y) => x + y, 0);
      return w.map((v) => v / total);
    }),
  );
  const r = Array.from({ length: S }, () => Array.from({ length: A }, () => 2 * rng.next() - 1));
  return { P, r };
}

/** Soft value iteration, written here independently of the trainer: Q <- r + gamma P (tau logsumexp(Q / tau)). */
function softValueIteration(P: number[][][], r: number[][], gamma: number, tau: number): number[][] {
  const S = r.length, A = r[0]!.length;
  let Q = r.map((row) => row.map(() => 0));
  for (let sweep = 0; sweep < 2000; sweep++) {
    const V = Q.map((row) => {
      const m = Math.max(...row);
      return m + tau * Math.log(row.reduce((acc, q) => acc + Math.exp((q - m) / tau), 0));
    });
    Q = Array.from({ length: S }, (_, s) => Array.from({ length: A }, (_, a) => r[s]![a]! + gamma * P[s]![a]!.reduce((acc, p, s2) => acc + p * V[s2]!, 0)));
  }
  return Q;
}

const oneHot = (i: number, n: number) => Array.from({ length: n }, (_, j) => (j === i ? 1 : 0));
const argmax = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
};

describe('soft Q-learning on a tiny tabular MDP with one-hot observations', () => {
  it('approaches the exact soft Q* of soft value iteration', () => {
    const S = 5, A = 3, gamma = 0.7, tau = 0.5;
    const { P, r } = randomMdp(S, A, 11);
    const qStar = softValueIteration(P, r, gamma, tau);

    const rng = makeRng(3);
    const replay = new ReplayBuffer(20_000, S);
    for (let i = 0; i < replay.capacity; i++) {
      const s = rng.int(S), a = rng.int(A), s2 = rng.categorical(P[s]![a]!);
      replay.add(oneHot(s, S), a, oneHot(s2, S), false);
    }
    // The reward is a function of (s, a), looked up from the one-hot observation.
    const rewardFn = (obs: Float32Array, actions: Int32Array) =>
      Float32Array.from(actions, (a, b) => r[argmax(obs.subarray(b * S, (b + 1) * S))]![a]!);

    const learner = new SoftQLearner(makeSoftQConfig({
      obsSize: S, numActions: A, hiddenSizes: [32], gamma, tau, learningRate: 3e-3,
      targetUpdateRate: 0.05, loss: 'mse', batchSize: 64, seed: 5,
    }));
    const errorNow = () => {
      const q = tf.tidy(() => learner.qValues(tf.tensor2d(Array.from({ length: S }, (_, s) => oneHot(s, S)))).arraySync());
      return Math.max(...q.flatMap((row, s) => row.map((v, a) => Math.abs(v - qStar[s]![a]!))));
    };
    const before = errorNow();
    learner.train(replay, rewardFn, rng, 1500);
    const after = errorNow();
    expect(before).toBeGreaterThan(1); // the check is not vacuous: the untrained net is far off
    expect(after).toBeLessThan(0.1); // |Q*| up to ~2.3 here
    learner.dispose();
  });
});

function smallLearner(overrides: Partial<Parameters<typeof makeSoftQConfig>[0]> = {}) {
  return new SoftQLearner(makeSoftQConfig({ obsSize: 3, numActions: 4, hiddenSizes: [8], gamma: 0.9, tau: 0.3, seed: 1, ...overrides }));
}

function randomBatch(size: number, obsSize: number, numActions: number, seed: number): TransitionBatch {
  const rng = makeRng(seed);
  return {
    size,
    obsSize,
    obs: Float32Array.from({ length: size * obsSize }, () => rng.normal()),
    actions: Int32Array.from({ length: size }, () => rng.int(numActions)),
    nextObs: Float32Array.from({ length: size * obsSize }, () => rng.normal()),
    done: Float32Array.from({ length: size }, () => (rng.next() < 0.3 ? 1 : 0)),
  };
}

const snapshot = (vars: tf.Variable[]) => vars.map((v) => Float32Array.from(v.dataSync()));

describe('SoftQLearner', () => {
  it('computes y = r + gamma (1 - done) tau logsumexp(Q\'(s\', .) / tau), checked in float64', () => {
    const learner = smallLearner();
    const batch = randomBatch(16, 3, 4, 2);
    const r = Float32Array.from({ length: 16 }, (_, i) => i / 10 - 0.5);
    const y = learner.targets(batch, () => r);
    const nextQ = tf.tidy(() => learner.targetQValues(tf.tensor2d(batch.nextObs, [16, 3])).arraySync());
    for (let b = 0; b < 16; b++) {
      const row = nextQ[b]!;
      const v = 0.3 * Math.log(row.reduce((acc, q) => acc + Math.exp(q / 0.3), 0));
      expect(y[b]).toBeCloseTo(r[b]! + 0.9 * (1 - batch.done[b]!) * v, 4);
    }
    learner.dispose();
  });

  it("nextValue 'online-policy': V(s') = E_pi[Q'(s', a) - tau log pi], pi = softmax(Q(s', .) / tau), checked in float64", () => {
    const tau = 0.3, gamma = 0.9;
    const learner = smallLearner({ nextValue: 'online-policy', targetUpdateRate: 0.05, learningRate: 0.05 });
    const batch = randomBatch(16, 3, 4, 2);
    const r = Float32Array.from({ length: 16 }, (_, i) => i / 10 - 0.5);
    const softMax = (row: number[]) => tau * Math.log(row.reduce((acc, q) => acc + Math.exp(q / tau), 0));
    const nextValues = () => tf.tidy(() => {
      const o = tf.tensor2d(batch.nextObs, [16, 3]);
      return { online: learner.qValues(o).arraySync(), target: learner.targetQValues(o).arraySync() };
    });
    // The target starts as an exact copy: both forms of V(s') coincide (the soft maximum).
    const fresh = learner.targets(batch, () => r), q0 = nextValues();
    for (let b = 0; b < 16; b++) expect(fresh[b]).toBeCloseTo(r[b]! + gamma * (1 - batch.done[b]!) * softMax(q0.target[b]!), 4);
    // Once online and target differ, V(s') is the online policy's expectation of the target values.
    for (let i = 0; i < 5; i++) learner.update(randomBatch(16, 3, 4, 20 + i), () => new Float32Array(16).fill(3));
    const y = learner.targets(batch, () => r), q = nextValues();
    let strictlyBelow = 0;
    for (let b = 0; b < 16; b++) {
      const online = q.online[b]!, target = q.target[b]!;
      const logZ = softMax(online) / tau;
      const v = online.reduce((acc, qa, a) => {
        const logPi = qa / tau - logZ;
        return acc + Math.exp(logPi) * (target[a]! - tau * logPi);
      }, 0);
      const notDone = 1 - batch.done[b]!;
      expect(y[b]).toBeCloseTo(r[b]! + gamma * notDone * v, 4);
      // Never above the soft maximum of the target values (Gibbs' variational principle).
      expect(v).toBeLessThanOrEqual(softMax(target) + 1e-5);
      if (notDone > 0 && softMax(target) - v > 1e-4) strictlyBelow++;
    }
    expect(strictlyBelow).toBeGreaterThan(0); // the two forms differ once Q != Q'
    expect(() => makeSoftQConfig({ obsSize: 3, numActions: 2, nextValue: 'max' as never })).toThrow(/nextValue/);
    learner.dispose();
  });

  it('relabels replayed transitions with the reward passed now (no stored reward)', () => {
    const learner = smallLearner();
    const replay = new ReplayBuffer(50, 3);
    const rng = makeRng(4);
    for (let i = 0; i < 50; i++) replay.add([rng.normal(), rng.normal(), rng.normal()], rng.int(4), [rng.normal(), rng.normal(), rng.normal()], false);
    const batch = replay.sample(32, rng);
    const r1 = (obs: Float32Array, actions: Int32Array) => Float32Array.from(actions, (a, b) => obs[b * 3]! + a);
    const r2 = (obs: Float32Array, actions: Int32Array) => Float32Array.from(actions, (a, b) => 2 * obs[b * 3 + 1]! - a);
    const y1 = learner.targets(batch, r1), y2 = learner.targets(batch, r2);
    const d1 = r1(batch.obs, batch.actions), d2 = r2(batch.obs, batch.actions);
    // Same transitions, same target network: the targets differ by exactly r2 - r1.
    for (let b = 0; b < 32; b++) expect(y2[b]! - y1[b]!).toBeCloseTo(d2[b]! - d1[b]!, 4);
    expect(Math.max(...y1.map((v, b) => Math.abs(v - y2[b]!)))).toBeGreaterThan(0.1);

    // An update asks the reward function about exactly the sampled transitions.
    const seen: Array<{ obs: Float32Array; actions: Int32Array }> = [];
    learner.update(batch, (obs, actions) => {
      seen.push({ obs: obs.slice(), actions: actions.slice() });
      return r1(obs, actions);
    });
    expect(seen).toHaveLength(1);
    expect(Array.from(seen[0]!.obs)).toEqual(Array.from(batch.obs));
    expect(Array.from(seen[0]!.actions)).toEqual(Array.from(batch.actions));
    learner.dispose();
  });

  it('uses a RewardModel as the reward source, with the same targets as its predictions', () => {
    const learner = smallLearner();
    const model = new RewardModel(makeRewardModelConfig({ obsSize: 3, numActions: 4, hiddenSizes: [5], seed: 9 }));
    const batch = randomBatch(8, 3, 4, 6);
    const viaModel = learner.targets(batch, model);
    const viaFn = learner.targets(batch, (o, a) => model.predictRewards(o, a));
    for (let b = 0; b < 8; b++) expect(viaModel[b]).toBeCloseTo(viaFn[b]!, 5);
    learner.dispose();
    model.dispose();
  });

  it('updates only the online Q weights (explicit varList): the reward model is untouched', () => {
    const learner = smallLearner();
    const model = new RewardModel(makeRewardModelConfig({ obsSize: 3, numActions: 4, hiddenSizes: [5], seed: 9 }));
    const rewardBefore = snapshot(model.variables());
    const qBefore = snapshot(learner.variables());
    for (let i = 0; i < 3; i++) learner.update(randomBatch(16, 3, 4, 10 + i), model);
    snapshot(model.variables()).forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(rewardBefore[i]!)));
    const moved = snapshot(learner.variables()).some((w, i) => w.some((v, j) => v !== qBefore[i]![j]));
    expect(moved).toBe(true);
    learner.dispose();
    model.dispose();
  });

  it('moves the target network by Polyak averaging: Q\' <- (1 - rho) Q\' + rho Q', () => {
    const rho = 0.25;
    const learner = smallLearner({ targetUpdateRate: rho });
    const targetOf = () => snapshot(learner.namedWeights().filter((w) => w.name.startsWith('target/')).map((w) => w.variable));
    learner.update(randomBatch(16, 3, 4, 1), () => new Float32Array(16).fill(1)); // online and target now differ
    const targetBefore = targetOf();
    learner.update(randomBatch(16, 3, 4, 2), () => new Float32Array(16).fill(1));
    const online = snapshot(learner.variables());
    const targetAfter = targetOf();
    targetAfter.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo((1 - rho) * targetBefore[i]![j]! + rho * online[i]![j]!, 5)));
    expect(targetAfter.some((w, i) => w.some((v, j) => Math.abs(v - online[i]![j]!) > 1e-6))).toBe(true);
    learner.dispose();
  });

  it('acts with pi = softmax(Q / tau): probabilities, log-probabilities and seeded sampling agree', () => {
    const learner = smallLearner({ tau: 0.2 });
    const obs = [0.3, -1.2, 0.8];
    const q = tf.tidy(() => learner.qValues(tf.tensor2d([obs])).arraySync()[0]!);
    const z = q.reduce((acc, v) => acc + Math.exp(v / 0.2), 0);
    const probs = learner.actionProbs(obs);
    probs.forEach((p, a) => {
      expect(p).toBeCloseTo(Math.exp(q[a]! / 0.2) / z, 5);
      expect(learner.logProb(obs, a)).toBeCloseTo(Math.log(p), 4);
    });
    const batched = learner.actionProbsBatch(Float32Array.from([...obs, 0, 0, 0]));
    probs.forEach((p, a) => expect(batched[a]).toBeCloseTo(p, 6));
    expect(batched.slice(4).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    const draw = (seed: number) => {
      const rng = makeRng(seed);
      return Array.from({ length: 1000 }, () => learner.sampleAction(obs, rng));
    };
    expect(draw(8)).toEqual(draw(8));
    const counts = new Array<number>(4).fill(0);
    for (const a of draw(9)) counts[a]!++;
    // Each count within 5 binomial standard deviations of 1000 p (fails if sampling ignores pi).
    counts.forEach((c, a) => expect(Math.abs(c - 1000 * probs[a]!)).toBeLessThan(5 * Math.sqrt(1000 * probs[a]! * (1 - probs[a]!)) + 1));
    learner.dispose();
  });

  it('leaks no tensors in an update, a target computation or an action', () => {
    const learner = smallLearner();
    const model = new RewardModel(makeRewardModelConfig({ obsSize: 3, numActions: 4, hiddenSizes: [5], seed: 9 }));
    const batch = randomBatch(16, 3, 4, 3);
    learner.update(batch, model); // first update creates Adam's slot variables: not a leak
    const before = tf.memory().numTensors;
    learner.update(batch, model);
    learner.update(batch, (o, a) => model.predictRewards(o, a));
    learner.targets(batch, model);
    learner.sampleAction([0, 1, 2], makeRng(1));
    learner.logProb([0, 1, 2], 1);
    expect(tf.memory().numTensors).toBe(before);
    learner.dispose();
    model.dispose();
  });

  it('frees every tensor it made (both networks, Adam slots) on dispose', () => {
    const before = tf.memory().numTensors;
    const learner = smallLearner();
    learner.update(randomBatch(4, 3, 4, 1), () => new Float32Array(4));
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    learner.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects invalid configs with the field named', () => {
    expect(() => makeSoftQConfig({ obsSize: 3, numActions: 2, gamma: 1 })).toThrow(/gamma/);
    expect(() => makeSoftQConfig({ obsSize: 3, numActions: 2, tau: 0 })).toThrow(/tau/);
    expect(() => makeSoftQConfig({ obsSize: 3, numActions: 2, targetUpdateRate: 0 })).toThrow(/targetUpdateRate/);
  });
});
