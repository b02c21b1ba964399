import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { cartpole } from '../envs/cartpole';
import type { Env } from '../envs/types';
import { useBackend } from '../models/backend';
import { bradleyTerryLoss } from '../preference/bradley-terry';
import type { LabeledPair } from '../preference/types';
import { makeSegment } from '../preference/types';
import { ExperienceCollector, cutSegment, evaluateReturn, evaluateReturns, greedyPolicy, validSegmentStarts, type Transition } from '../algorithms/neural/experience';
import { collectExplorationRows } from '../algorithms/neural/exploration-rows';
import { LowerLevel } from '../algorithms/neural/lower-level';
import type { NeuralUpperLevel } from '../algorithms/neural/learner';
import { exploitationLoss, gradsOf, packPairs } from '../algorithms/neural/neural-rlhf';
import { DEFAULT_NEURAL_SOBIRL, freshFitGate, makeNeuralSobirl } from '../algorithms/neural/sobirl';
import { DEFAULT_NEURAL_STOC_SOBIRL, makeNeuralStocSobirl } from '../algorithms/neural/stoc-sobirl';
import { RewardModel, makeRewardModelConfig } from '../models/reward-model';
import { DEFAULT_NEURAL_RUN, makeNeuralUpperLevel, type NeuralRunConfig } from '../algorithms/neural/run-config';
import { simulateSeedOn } from './simulate';
import { simulatedRun } from './in-memory-run';
import { loadEngine } from './load-engine';
import { NeuralEngine, type NeuralPlan } from '../service/neural-run';
import type { AlgorithmName, SimulateOptions } from './types';

/** A tiny schedule: every algorithm end to end in about a second. */
const TINY: NeuralRunConfig = {
  ...DEFAULT_NEURAL_RUN,
  envStepsPerIter: 120,
  evalEpisodes: 2,
  finalEvalEpisodes: 2,
  lowerLevel: { ...DEFAULT_NEURAL_RUN.lowerLevel, updatesPerIter: 10, minReplay: 50, softQ: { ...DEFAULT_NEURAL_RUN.lowerLevel.softQ, hiddenSizes: [16] } },
  sobirl: { ...DEFAULT_NEURAL_RUN.sobirl, upperSteps: 3, exploreWarmup: 0, rolloutSteps: 5, rewardModel: { hiddenSizes: [16] } },
  drlhf: { ...DEFAULT_NEURAL_RUN.drlhf, upperSteps: 3, rewardModel: { hiddenSizes: [16] } },
  stocSobirl: { ...DEFAULT_NEURAL_RUN.stocSobirl, upperSteps: 3, exploreWarmup: 0, rolloutSteps: 5, rewardModel: { hiddenSizes: [16] } },
};

const OPTS: SimulateOptions = {
  env: 'cartpole', algo: 'sobirl', labels: 20, seeds: 1, pairsPerIter: 10, horizon: 10, gamma: 0.99, tau: 0.05,
  teacher: { beta: 1 },
};

beforeAll(async () => {
  await useBackend('wasm');
});

describe('neural RLHF loop on cartpole', () => {
  for (const algo of ['sobirl', 'stoc-sobirl', 'drlhf', 'oracle'] as const) {
    it(`${algo}: runs end to end and returns a finite curve`, async () => {
      const run = await simulateSeedOn({ ...OPTS, algo }, 1, undefined, { neuralSchedule: TINY });
      expect(run.curve.length).toBe(3); // start + 2 outer iterations
      for (const [labels, ret] of run.curve) {
        expect(Number.isFinite(ret)).toBe(true);
        expect(ret).toBeGreaterThanOrEqual(1); // every cartpole episode lasts >= 1 step
        expect(labels).toBeLessThanOrEqual(OPTS.labels);
      }
      expect(run.curve[run.curve.length - 1]![0]).toBe(OPTS.labels); // beta = 1 never skips
      for (const m of run.metrics) for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
      if (algo === 'sobirl' || algo === 'stoc-sobirl') {
        expect(run.metrics.some((m) => (m['hypergrad/explore'] ?? 0) > 0)).toBe(true);
      }
    });
  }

  it('the same seed gives the same run', async () => {
    const a = await simulateSeedOn({ ...OPTS, algo: 'drlhf' }, 3, undefined, { neuralSchedule: TINY });
    const b = await simulateSeedOn({ ...OPTS, algo: 'drlhf' }, 3, undefined, { neuralSchedule: TINY });
    expect(b.curve).toEqual(a.curve);
  });

  it('greedy evaluation is reported beside the sampled one and changes neither training nor the curve', async () => {
    const withGreedy = await simulateSeedOn({ ...OPTS, algo: 'drlhf' }, 4, undefined, { neuralSchedule: { ...TINY, evalGreedy: true } });
    const without = await simulateSeedOn({ ...OPTS, algo: 'drlhf' }, 4, undefined, { neuralSchedule: { ...TINY, evalGreedy: false } });
    expect(withGreedy.curve).toEqual(without.curve);
    for (const m of withGreedy.metrics) expect(m['return/greedy']).toBeGreaterThanOrEqual(1);
    for (const m of without.metrics) expect(m['return/greedy']).toBeUndefined();
  });

  it("simulate's neural engine evaluates the greedy policy by default; the service's does not", async () => {
    const run = simulatedRun({ ...OPTS, algo: 'drlhf' }, 0);
    const simulated = (await loadEngine('cartpole')).plan(run) as NeuralPlan;
    expect(simulated.schedule.run).toEqual({ ...DEFAULT_NEURAL_RUN, evalGreedy: true });
    expect(new NeuralEngine().plan(run).schedule.run.evalGreedy).toBe(false);
  });

  it('m-sobirl refuses a non-tabular env with a clear error', async () => {
    await expect(simulateSeedOn({ ...OPTS, algo: 'm-sobirl' }, 0, undefined, { neuralSchedule: TINY })).rejects.toThrow(/tabular/);
  });
});

describe('greedy policy', () => {
  it('puts all mass on argmax_a pi(a|s), ties to the lowest action', () => {
    const probs = Float32Array.from([0.3, 0.7, 0.9, 0.1, 0.5, 0.5, 0.2, 0.8]);
    const greedy = greedyPolicy(() => probs, 2);
    expect(Array.from(greedy(new Float32Array(16), 4))).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
  });

  it('evaluates the argmax of a real soft policy deterministically: always pushing one way falls fast', () => {
    // A stub preferring 'right' with probability 0.6 everywhere: greedy always pushes right.
    const policy = (_obs: Float32Array, n: number) => Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 1 ? 0.6 : 0.4));
    const greedy = evaluateReturn(cartpole, greedyPolicy(policy, 2), 20, makeRng(1));
    const again = evaluateReturn(cartpole, greedyPolicy(policy, 2), 20, makeRng(1));
    expect(greedy).toBe(again);
    expect(greedy).toBeLessThan(15); // constant pushing topples the pole in ~10 steps
    // The sampled policy mixes actions and survives longer on average (independent check that
    // the greedy wrapper really removed the randomness).
    expect(evaluateReturn(cartpole, policy, 200, makeRng(2))).toBeGreaterThan(greedy + 3);
  });
});

describe('tensor hygiene', () => {
  it('an upper-level update and a lower-level pass leak no tensors', async () => {
    const rng = makeRng(5);
    const lower = new LowerLevel(4, 2, 0.99, 0.05, 5, TINY.lowerLevel);
    const collector = new ExperienceCollector(cartpole, 2, rng);
    const fresh = collector.collect(lower.policy, 200);
    lower.add(fresh);
    const starts = validSegmentStarts(fresh, 10);
    const pairs: LabeledPair[] = Array.from({ length: 8 }, (_, i) => ({
      first: cutSegment('cartpole', fresh, starts[(3 * i) % starts.length]!, 10),
      second: cutSegment('cartpole', fresh, starts[(7 * i + 1) % starts.length]!, 10),
      y: i % 2 === 0 ? 1 : 0,
    }));
    const batch = packPairs(cartpole, pairs, 10);
    for (const algo of ['sobirl', 'stoc-sobirl', 'drlhf'] as AlgorithmName[]) {
      const upper = makeNeuralUpperLevel(algo, cartpole as Env, OPTS, 0, TINY);
      const input = { env: cartpole as Env, all: batch, fresh: batch, freshPairs: pairs, policy: lower.policy, k: 1 };
      // The first update creates the optimiser's slots (and Stoc-SoBiRL's momentum): not a leak.
      await upper.update(input);
      lower.train(upper.rewardModel, rng);
      const before = tf.memory().numTensors;
      await upper.update(input);
      lower.train(upper.rewardModel, rng);
      expect(tf.memory().numTensors, algo).toBe(before);
      upper.dispose();
    }
    lower.dispose();
  });

  it('yielding between upper-level steps (the service\'s pause) changes nothing', async () => {
    const rng = makeRng(6);
    const lower = new LowerLevel(4, 2, 0.99, 0.05, 6, TINY.lowerLevel);
    const fresh = new ExperienceCollector(cartpole, 2, rng).collect(lower.policy, 200);
    const starts = validSegmentStarts(fresh, 10);
    const pairs: LabeledPair[] = Array.from({ length: 8 }, (_, i) => ({
      first: cutSegment('cartpole', fresh, starts[(3 * i) % starts.length]!, 10),
      second: cutSegment('cartpole', fresh, starts[(5 * i + 2) % starts.length]!, 10),
      y: i % 3 === 0 ? 1 : 0,
    }));
    const batch = packPairs(cartpole, pairs, 10);
    const weights = (m: NeuralUpperLevel) => m.rewardModel.namedWeights().map((w) => Array.from(w.variable.dataSync()));
    for (const algo of ['sobirl', 'stoc-sobirl', 'drlhf'] as AlgorithmName[]) {
      const plain = makeNeuralUpperLevel(algo, cartpole as Env, OPTS, 3, TINY);
      const paused = makeNeuralUpperLevel(algo, cartpole as Env, OPTS, 3, TINY);
      let pauses = 0;
      const pause = () => new Promise<void>((resolve) => { pauses++; setImmediate(resolve); });
      const input = { env: cartpole as Env, all: batch, fresh: batch, freshPairs: pairs, policy: lower.policy, k: 5 };
      const start = weights(plain);
      const a = await plain.update(input);
      const b = await paused.update(input, pause);
      expect(pauses, algo).toBeGreaterThan(1);
      expect(b, algo).toEqual(a);
      expect(weights(paused), algo).toEqual(weights(plain));
      expect(weights(plain), algo).not.toEqual(start); // the steps did move the weights
      plain.dispose();
      paused.dispose();
    }
    lower.dispose();
  });
});

describe('evaluation episodes', () => {
  it("the learned return sums r_x along the same episodes: r = 2 on cartpole (true reward 1 per step) gives twice the true return, which the learned reward leaves unchanged", () => {
    const uniform = (_obs: Float32Array, n: number) => new Float32Array(2 * n).fill(0.5);
    const alone = evaluateReturn(cartpole, uniform, 6, makeRng(12));
    let calls = 0;
    const both = evaluateReturns(cartpole, uniform, 6, makeRng(12), (obs, actions) => {
      calls++;
      expect(obs.length).toBe(4 * actions.length);
      return new Float32Array(actions.length).fill(2);
    });
    expect(both.trueReturn).toBe(alone);
    expect(alone).toBeGreaterThan(5); // episodes of a random policy last ~20 steps
    expect(both.learnedReturn).toBeCloseTo(2 * alone, 10);
    expect(calls).toBeGreaterThan(5);
    expect(evaluateReturns(cartpole, uniform, 6, makeRng(12)).learnedReturn).toBeNull();
  });
});

describe('segments from fresh trajectories', () => {
  /** Transitions of one episode: `n` steps, the last one terminal (or a time-limit cut). */
  const episode = (id: number, n: number, ending: 'terminal' | 'cut' | 'running'): Transition<number>[] =>
    Array.from({ length: n }, (_, t) => ({
      state: t, obs: [t], action: 0, logProb: 0, trueReward: 1, nextState: t + 1, nextObs: [t + 1],
      done: t === n - 1 && ending !== 'running', truncated: t === n - 1 && ending === 'cut', episode: id, t,
    }));

  it('keeps starts whose clip is complete or ends in a terminal state, never a cut or missing data', () => {
    const trs = [...episode(0, 4, 'terminal'), ...episode(1, 6, 'cut'), ...episode(2, 5, 'running')];
    // Episode 0 (indices 0..3) ends terminally: every start is valid (shorter clips = falling).
    // Episode 1 (4..9) is cut by the time limit: only starts with 3 full steps before the cut (4..7).
    // Episode 2 (10..14) is still running: only starts with 3 collected steps (10..12).
    expect(validSegmentStarts(trs, 3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12]);
    const seg = cutSegment('toy', trs, 2, 3);
    expect(seg.actions.length).toBe(2);
    expect(seg.done).toBe(true);
    expect(seg.states).toEqual([2, 3, 4]);
  });
});

describe('exploration rows (G_Q - G_V by rollouts)', () => {
  // A chain: state s (a number), action a moves to s + 1 + a; terminal at s >= 6.
  // r(o, a) = 0.3 o + a - 0.1 o a: any fixed function works, the rows do not depend on it.
  const chain: Env<number> = {
    id: 'chain', title: 'chain', description: 'test', actionNames: ['one', 'two'], observationSize: 1, maxEpisodeSteps: 100,
    reset: () => 0,
    step: (s, a) => ({ state: s + 1 + a, reward: 0, done: s + 1 + a >= 6 }),
    observe: (s) => [s],
    render: () => ({ viewport: { xMin: 0, xMax: 1, yMin: 0, yMax: 1 }, items: [] }),
  };
  const reward = (o: number, a: number) => 0.3 * o + a - 0.1 * o * a;
  const P = [0.7, 0.3];
  const policy = (_obs: Float32Array, n: number) => Float32Array.from({ length: 2 * n }, (_, i) => P[i % 2]!);
  const gamma = 0.9, T = 3;

  /** Exact E[sum_{t<T} gamma^t r] from s with first action a, then pi: brute-force recursion. */
  const exactGQ = (s: number, a: number, steps: number): number => {
    if (steps === 0) return 0;
    const r = reward(s, a), next = s + 1 + a;
    if (next >= 6 || steps === 1) return r;
    return r + gamma * (P[0]! * exactGQ(next, 0, steps - 1) + P[1]! * exactGQ(next, 1, steps - 1));
  };

  it('their weighted reward sum is unbiased for sum_h (G_Q - G_V), step subsampling included', () => {
    // One pair: a 3-step segment 0 -a=1-> 2 -a=0-> 3 -a=1-> 5, and a 1-step segment from 5.
    const seg = (states: number[], actions: number[]) => makeSegment({
      envId: 'chain', states, actions, trueRewards: actions.map(() => 0), logProbs: actions.map(() => 0), done: false,
    });
    const pair = { first: seg([0, 2, 3, 5], [1, 0, 1]), second: seg([5, 7], [0]) };
    let exact = 0;
    for (const s of [pair.first, pair.second]) {
      s.actions.forEach((a, h) => {
        const st = s.states[h]!;
        const gv = P[0]! * exactGQ(st, 0, T) + P[1]! * exactGQ(st, 1, T);
        exact += exactGQ(st, a, T) - gv;
      });
    }
    const rng = makeRng(11);
    const draws = 4000;
    const values: number[] = [];
    for (let i = 0; i < draws; i++) {
      const rows = collectExplorationRows(chain, policy, [pair], { rolloutSteps: T, stepsPerSegment: 1, gamma }, rng);
      let v = 0;
      for (let j = 0; j < rows.count; j++) v += rows.weights[j]! * reward(rows.obs[j]!, rows.actions[j]!);
      expect(Array.from(rows.pair).every((m) => m === 0)).toBe(true);
      values.push(v);
    }
    const mean = values.reduce((s, v) => s + v, 0) / draws;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (draws - 1));
    expect(Math.abs(mean - exact)).toBeLessThan(4 * sd / Math.sqrt(draws) + 1e-9);
  });

  it('one-step rows are grad r(s, a_h) - sum_a pi(a|s) grad r(s, a) exactly', () => {
    const seg = makeSegment({ envId: 'chain', states: [0, 1, 3], actions: [0, 1], trueRewards: [0, 0], logProbs: [0, 0], done: false });
    const rows = collectExplorationRows(chain, policy, [{ first: seg, second: seg }], { rolloutSteps: 1, stepsPerSegment: 2, gamma }, makeRng(1));
    let v = 0;
    for (let j = 0; j < rows.count; j++) v += rows.weights[j]! * reward(rows.obs[j]!, rows.actions[j]!);
    const oneStep = (s: number, a: number) => reward(s, a) - (P[0]! * reward(s, 0) + P[1]! * reward(s, 1));
    expect(v).toBeCloseTo(2 * (oneStep(0, 0) + oneStep(1, 1)), 5);
  });
});

describe('exploitation loss', () => {
  it('equals the plain-number Bradley-Terry mean over the model\'s own segment returns', async () => {
    const rng = makeRng(2);
    const lower = new LowerLevel(4, 2, 0.99, 0.05, 2, TINY.lowerLevel);
    const fresh = new ExperienceCollector(cartpole, 2, rng).collect(lower.policy, 120);
    const starts = validSegmentStarts(fresh, 8);
    const pairs: LabeledPair[] = [0, 1, 2].map((i) => ({
      first: cutSegment('cartpole', fresh, starts[i * 5]!, 8), second: cutSegment('cartpole', fresh, starts[i * 5 + 2]!, 8), y: ([1, 0, 0.5] as const)[i]!,
    }));
    const batch = packPairs(cartpole, pairs, 8);
    const upper = makeNeuralUpperLevel('drlhf', cartpole as Env, OPTS, 0, TINY);
    const r1 = upper.rewardModel.predictSegmentReturns(batch.first), r2 = upper.rewardModel.predictSegmentReturns(batch.second);
    const expected = pairs.reduce((s, p, m) => s + bradleyTerryLoss(r1[m]! - r2[m]!, p.y), 0) / pairs.length;
    const loss = exploitationLoss(upper.rewardModel, batch);
    expect(loss.dataSync()[0]!).toBeCloseTo(expected, 5);
    loss.dispose();
    upper.dispose();
    lower.dispose();
  });
});

describe('learning signal on cartpole (no policy learning: seconds)', () => {
  it('fitting labels from a random policy gives r_x > 0 ("survive") and ranks held-out clips by length', async () => {
    const rng = makeRng(21);
    const uniform = (_obs: Float32Array, n: number) => new Float32Array(2 * n).fill(0.5);
    const fresh = new ExperienceCollector(cartpole, 4, rng).collect(uniform, 3000);
    const starts = validSegmentStarts(fresh, 25);
    const draw = (): LabeledPair => {
      const first = cutSegment('cartpole', fresh, starts[rng.int(starts.length)]!, 25);
      const second = cutSegment('cartpole', fresh, starts[rng.int(starts.length)]!, 25);
      const d = first.actions.length - second.actions.length; // true return = length
      return { first, second, y: d > 0 ? 1 : d < 0 ? 0 : 0.5 };
    };
    const train = Array.from({ length: 200 }, draw);
    const test = Array.from({ length: 200 }, draw).filter((p) => p.y !== 0.5);
    const upper = makeNeuralUpperLevel('drlhf', cartpole as Env, OPTS, 0, {
      ...TINY, drlhf: { ...DEFAULT_NEURAL_RUN.drlhf, upperSteps: 150, rewardModel: { hiddenSizes: [32], learningRate: 3e-3 } },
    });
    const all = packPairs(cartpole, train, 25);
    await upper.update({ env: cartpole as Env, all, fresh: all, freshPairs: train, policy: uniform, k: 0 });
    const held = packPairs(cartpole, test, 25);
    const r1 = upper.rewardModel.predictSegmentReturns(held.first), r2 = upper.rewardModel.predictSegmentReturns(held.second);
    const correct = test.filter((p, m) => (r1[m]! > r2[m]!) === (p.y === 1)).length;
    expect(correct / test.length).toBeGreaterThan(0.8);
    const obs = Float32Array.from(fresh.flatMap((tr) => tr.obs));
    const r = upper.rewardModel.predictRewards(obs, Int32Array.from(fresh, (tr) => tr.action));
    expect(r.reduce((s, v) => s + v, 0) / r.length).toBeGreaterThan(0);
    upper.dispose();
  });
});

describe('Stoc-SoBiRL momentum', () => {
  it('on a fixed full batch the STORM correction cancels exactly: plain gradient steps with beta_t', async () => {
    // h_t = g(x_t) + (1 - mu)(h_{t-1} - g(x_{t-1})) and h_{t-1} = g(x_{t-1}) on the same batch, so
    // h_t = g(x_t) whatever mu is, provided the previous weights are swapped in and out correctly.
    const rng = makeRng(8);
    const uniform = (_obs: Float32Array, n: number) => new Float32Array(2 * n).fill(0.5);
    const fresh = new ExperienceCollector(cartpole, 2, rng).collect(uniform, 300);
    const starts = validSegmentStarts(fresh, 10);
    const pairs: LabeledPair[] = Array.from({ length: 8 }, (_, i) => ({
      first: cutSegment('cartpole', fresh, starts[i]!, 10), second: cutSegment('cartpole', fresh, starts[starts.length - 1 - i]!, 10), y: i % 2 === 0 ? 1 : 0,
    }));
    const batch = packPairs(cartpole, pairs, 10);
    const config = { ...DEFAULT_NEURAL_STOC_SOBIRL, upperSteps: 3, exploreWarmup: 1e9, beta0: 0.1, muScale: 10, rewardModel: { hiddenSizes: [8] } };
    const stoc = makeNeuralStocSobirl(4, 2, 4, 0.99, 0.05, config);
    await stoc.update({ env: cartpole as Env, all: batch, fresh: batch, freshPairs: pairs, policy: uniform, k: 0 });
    // The reference: the same initial weights (same seed), plain gradient descent by hand.
    const ref = new RewardModel(makeRewardModelConfig({ hiddenSizes: [8], obsSize: 4, numActions: 2, seed: 4 * 101 + 3 }));
    const vars = ref.variables();
    for (let t = 0; t < config.upperSteps; t++) {
      const { grads } = gradsOf(() => exploitationLoss(ref, batch, config.rewardL2), vars);
      const beta = config.beta0 / Math.cbrt(t + 1);
      tf.tidy(() => vars.forEach((v) => v.assign(tf.sub(v, tf.mul(grads[v.name]!, beta)))));
      tf.dispose(Object.values(grads));
    }
    const got = stoc.rewardModel.variables(), want = ref.variables();
    got.forEach((v, i) => {
      const a = v.dataSync(), b = want[i]!.dataSync();
      for (let j = 0; j < a.length; j++) expect(a[j]!).toBeCloseTo(b[j]!, 5);
    });
    stoc.dispose();
    ref.dispose();
  });
});

describe('SoBiRL exploration gate (fresh-fit)', () => {
  it('is McFadden\'s pseudo-R^2 of the fresh labels, clamped to [0, 1]', () => {
    expect(freshFitGate([Math.LN2, Math.LN2])).toBe(0); // coin-flip fit
    expect(freshFitGate([0.9, 1.2])).toBe(0); // worse than chance
    expect(freshFitGate([0, 0])).toBe(1);
    expect(freshFitGate([Math.LN2 / 4, (3 * Math.LN2) / 4])).toBeCloseTo(0.5, 12);
    expect(freshFitGate([])).toBe(0);
  });

  it('switches the exploration half off on uninformative labels and scales it on labels the reward predicts', async () => {
    const rng = makeRng(9);
    const uniform = (_obs: Float32Array, n: number) => new Float32Array(2 * n).fill(0.5);
    const fresh = new ExperienceCollector(cartpole, 2, rng).collect(uniform, 300);
    const starts = validSegmentStarts(fresh, 10);
    const clips = Array.from({ length: 12 }, (_, i) => ({
      first: cutSegment('cartpole', fresh, starts[(3 * i) % starts.length]!, 10),
      second: cutSegment('cartpole', fresh, starts[(7 * i + 2) % starts.length]!, 10),
    }));
    const config = { ...DEFAULT_NEURAL_SOBIRL, upperSteps: 2, exploreWarmup: 0, exploreClip: Infinity, rolloutSteps: 5, exploreGate: 'fresh-fit' as const, rewardModel: { hiddenSizes: [8] } };
    const seed = 2;
    // Independent reference: the same initial reward (same seed), losses by the plain-number BT formula.
    const ref = new RewardModel(makeRewardModelConfig({ hiddenSizes: [8], obsSize: 4, numActions: 2, seed: seed * 101 + 3 }));
    const unlabeled = packPairs(cartpole, clips.map((c) => ({ ...c, y: 1 })), 10);
    const r1 = ref.predictSegmentReturns(unlabeled.first), r2 = ref.predictSegmentReturns(unlabeled.second);
    // Labels the initial reward agrees with: a fit better than chance.
    const agreeing: LabeledPair[] = clips.map((c, m) => ({ ...c, y: r1[m]! > r2[m]! ? 1 : 0 }));
    const expected = 1 - agreeing.reduce((s, p, m) => s + bradleyTerryLoss(r1[m]! - r2[m]!, p.y), 0) / clips.length / Math.LN2;
    expect(expected).toBeGreaterThan(0);
    // 'Equally good' labels: BT loss >= ln 2 whatever the reward, so nothing about x is learned from who was picked.
    const ties: LabeledPair[] = clips.map((c) => ({ ...c, y: 0.5 }));
    const run = async (pairs: LabeledPair[], gate: 'none' | 'fresh-fit') => {
      const batch = packPairs(cartpole, pairs, 10);
      const sobirl = makeNeuralSobirl(4, 2, seed, 0.99, 0.05, { ...config, exploreGate: gate });
      const m = await sobirl.update({ env: cartpole as Env, all: batch, fresh: batch, freshPairs: pairs, policy: uniform, k: 0 });
      sobirl.dispose();
      // The gate's metric is an extra key beyond NeuralIterationMetrics (only with the gate on).
      const metrics: Record<string, number> = { ...m };
      return metrics;
    };
    const informative = await run(agreeing, 'fresh-fit');
    expect(informative['hypergrad/gate']).toBeCloseTo(expected, 5);
    expect(informative['hypergrad/explore']).toBeGreaterThan(0);
    const tied = await run(ties, 'fresh-fit');
    expect(tied['hypergrad/gate']).toBe(0);
    expect(tied['hypergrad/explore']).toBe(0);
    // Without the gate the same tied labels still drive an exploration step (the gate is what stops it).
    const ungated = await run(ties, 'none');
    expect(ungated['hypergrad/explore']).toBeGreaterThan(0);
    expect(ungated['hypergrad/gate']).toBeUndefined();
    ref.dispose();
  });
});
