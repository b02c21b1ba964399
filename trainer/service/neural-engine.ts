/**
 * The neural pieces the neural engine (neural-run.ts) combines for a run on a non-tabular env
 * (cartpole, mountaincar, acrobot): the run's schedule (DEFAULT_NEURAL_RUN, or the schedule a
 * simulation passes, with the run's overrides), its learner (the algorithm's upper level and the
 * soft-Q lower level; the oracle's lower level trains on the true reward), labels as
 * packed pairs, candidate clips cut from the CURRENT policy's trajectories, and query selection
 * by the disagreement of a small bootstrap ensemble, and the sliced (cooperative) forms of the
 * long loops of an iteration. No database here.
 */
import type { Rng } from '../core/rng';
import { getEnv } from '../envs';
import type { Env } from '../envs/types';
import type { LabeledPair, Segment } from '../preference/types';
import { cutSegment, validSegmentStarts, type BatchPolicy, type ExperienceCollector, type Transition } from '../algorithms/neural/experience';
import type { NeuralUpperLevel } from '../algorithms/neural/learner';
import { LowerLevel } from '../algorithms/neural/lower-level';
import { OracleLowerLevel } from '../algorithms/neural/oracle';
import { packPairs, subBatch, type PairBatch } from '../algorithms/neural/neural-rlhf';
import { RewardModel, makeRewardModelConfig } from '../models/reward-model';
import type { RewardSource } from '../models/soft-q';
import type { KernelName } from '../models/kernels/select';
import { makeSegmentBatch } from '../models/segment-batch';
import { DEFAULT_NEURAL_RUN, makeNeuralUpperLevel, type NeuralRunConfig } from '../algorithms/neural/run-config';
import type { TimeSlicer } from './time-slicer';
import { topByScore } from './query-selection';
import { withOverrides, type RunAlgorithm, type RunConfig } from '../contracts/run-config';
import { clipSegment, toClipSpec, toPreference } from './label-rows';
import type { LabelRow, PairSpec } from './store';

/** What the service needs beyond simulate's schedule. */
export interface NeuralSchedule {
  run: NeuralRunConfig;
  /** Adam steps per iteration of the query ensemble (a cold ensemble, after a restart, takes 5x). */
  ensembleSteps: number;
  /** Hidden widths of the query ensemble's members (small: it only ranks candidates). */
  ensembleHidden: number[];
}

/** Defaults for the query ensemble: ~40 ms per iteration for 5 members on wasm (measured in the bench). */
export const DEFAULT_ENSEMBLE_STEPS = 20;
const DEFAULT_ENSEMBLE_HIDDEN = [32];
const ENSEMBLE_BATCH = 64;
const ENSEMBLE_REWARD_L2 = 0.1;

/** `base` (DEFAULT_NEURAL_RUN unless a simulation passes its own) with the run's `neural` record and its `algorithm` overrides applied. */
export function neuralSchedule(config: RunConfig, base: NeuralRunConfig = DEFAULT_NEURAL_RUN): NeuralSchedule {
  const n = config.neural ?? {};
  const d = base;
  const hidden = n.hiddenSizes;
  const withHidden = <C extends { rewardModel: object }>(c: C): C => (hidden ? { ...c, rewardModel: { ...c.rewardModel, hiddenSizes: [...hidden] } } : c);
  const run: NeuralRunConfig = {
    ...d,
    envStepsPerIter: n.envStepsPerIter ?? d.envStepsPerIter,
    numEnvs: n.numEnvs ?? d.numEnvs,
    evalEpisodes: n.evalEpisodes ?? d.evalEpisodes,
    lowerLevel: {
      ...d.lowerLevel,
      updatesPerIter: n.updatesPerIter ?? d.lowerLevel.updatesPerIter,
      minReplay: n.minReplay ?? d.lowerLevel.minReplay,
      replayCapacity: n.replayCapacity ?? d.lowerLevel.replayCapacity,
      softQ: hidden ? { ...d.lowerLevel.softQ, hiddenSizes: [...hidden] } : d.lowerLevel.softQ,
    },
    sobirl: withHidden(withOverrides(d.sobirl, config.algorithm)),
    drlhf: withHidden(withOverrides(d.drlhf, config.algorithm)),
    stocSobirl: withHidden(withOverrides(d.stocSobirl, config.algorithm)),
  };
  return { run, ensembleSteps: n.ensembleSteps ?? DEFAULT_ENSEMBLE_STEPS, ensembleHidden: hidden ? [...hidden] : DEFAULT_ENSEMBLE_HIDDEN };
}

/**
 * The learner of a neural run: the algorithm's upper level (owns r_x) and the soft-Q lower level;
 * or, for the oracle (a simulation baseline: the registry keeps it off the service's neural
 * runs), no upper level and a lower level that trains on the true reward.
 */
export type NeuralModels =
  | { upper: NeuralUpperLevel; lower: LowerLevel }
  | { upper: null; lower: OracleLowerLevel };

/**
 * Fresh (untrained) models for the run, seeded by the run's seed. The algorithm registry
 * (trainer/contracts/algorithms.ts) keeps M-SoBiRL, PBRL and HPGD off neural envs.
 */
export function makeNeuralModels(envId: string, algorithm: RunAlgorithm, config: RunConfig, schedule: NeuralSchedule): NeuralModels {
  const env = getEnv(envId);
  const O = env.observationSize, A = env.actionNames.length;
  if (algorithm === 'oracle') return { upper: null, lower: new OracleLowerLevel(O, A, config.gamma, config.tau, config.seed, schedule.run.lowerLevel) };
  const upper = makeNeuralUpperLevel(algorithm, env, config, config.seed, schedule.run);
  try {
    return { upper, lower: new LowerLevel(O, A, config.gamma, config.tau, config.seed, schedule.run.lowerLevel) };
  } catch (error) {
    upper.dispose();
    throw error;
  }
}

export function disposeModels(models: NeuralModels | null | undefined): void {
  models?.upper?.dispose();
  models?.lower.dispose();
}

/**
 * `lower.train(reward, rng)` in slices: the same `updatesPerIter` soft Q updates, one
 * `q.train(replay, reward, rng, 1)` at a time. SoftQLearner.train(steps) is a plain loop of
 * `update(replay.sample(batchSize, rng), reward)` with the Polyak step inside `update`, so N calls
 * of one step draw the same batches in the same order and make the same target updates as one
 * call of N; the loss sum is accumulated in the same order, so even the mean is bit-identical
 * (tested against lower.train in concurrency.test.ts).
 */
export async function trainLowerSliced(lower: NeuralModels['lower'], reward: RewardSource, rng: Rng, slicer: TimeSlicer): Promise<number> {
  if (lower.replay.size < lower.config.minReplay) return 0;
  const steps = lower.config.updatesPerIter;
  let total = 0;
  for (let i = 0; i < steps; i++) {
    total += lower.q.train(lower.replay, reward, rng, 1);
    await slicer.pause('q-update');
  }
  return steps > 0 ? total / steps : 0;
}

/**
 * `collector.collect(policy, totalSteps)` in slices of one round (numEnvs steps) each: the
 * collector keeps its episodes and Rng between calls, and collect(n) is ceil(n / numEnvs) such
 * rounds, so the transitions are the same, in the same order (tested in concurrency.test.ts).
 */
export async function collectSliced<S>(collector: ExperienceCollector<S>, policy: BatchPolicy, totalSteps: number, numEnvs: number, slicer: TimeSlicer): Promise<Transition<S>[]> {
  const out: Transition<S>[] = [];
  const rounds = Math.ceil(totalSteps / numEnvs);
  for (let r = 0; r < rounds; r++) {
    for (const tr of collector.collect(policy, numEnvs)) out.push(tr);
    await slicer.pause('collect-round');
  }
  return out;
}

export interface NeuralLabeledData {
  /** Every label up to the new watermark, packed (null when none). */
  all: PairBatch | null;
  /** On-policy labels: pairs drawn by the checkpoint the learner resumes from (service README). */
  fresh: PairBatch | null;
  freshPairs: LabeledPair[];
  allCount: number;
  /** The padded clip length of the batches. */
  horizon: number;
}

/**
 * Labels as packed pairs. The padded length is the run's horizon, or the longest stored clip if
 * a longer one exists (a seeded pair of another length): a clip is never truncated.
 */
export function toNeuralLabeledData(envId: string, rows: readonly LabelRow[], currentCheckpointId: number, horizon: number): NeuralLabeledData {
  const env = getEnv(envId) as Env<unknown>;
  const all: LabeledPair[] = [];
  const freshPairs: LabeledPair[] = [];
  let H = horizon;
  for (const row of rows) {
    const pair: LabeledPair = { first: clipSegment(envId, row.first), second: clipSegment(envId, row.second), y: toPreference(row.y) };
    H = Math.max(H, pair.first.actions.length, pair.second.actions.length);
    all.push(pair);
    if (row.pairCheckpointId === currentCheckpointId) freshPairs.push(pair);
  }
  return {
    all: all.length > 0 ? packPairs(env, all, H) : null,
    fresh: freshPairs.length > 0 ? packPairs(env, freshPairs, H) : null,
    freshPairs,
    allCount: all.length,
    horizon: H,
  };
}

/**
 * `count` segments cut from transitions of the current policy at uniformly drawn valid starts
 * (experience.ts: a segment never runs into a time-limit cut or the end of the collected data).
 */
export function candidateSegments<S>(env: Env<S>, transitions: readonly Transition<S>[], horizon: number, count: number, rng: Rng): Segment<S>[] {
  const starts = validSegmentStarts(transitions, horizon);
  if (starts.length === 0) return [];
  return Array.from({ length: count }, () => cutSegment(env.id, transitions, starts[rng.int(starts.length)]!, horizon));
}

/**
 * Query selection's reward ensemble: K small reward networks, kept in memory between iterations
 * (warm-started) and moved a few Adam steps per iteration. Each member sees the labels through
 * its own fixed Poisson(1) bootstrap weights (online bootstrap: label i counts w_ik times for
 * member k, drawn once from a hash of (label id, k), so a member's resample is stable as labels
 * accumulate). Where the labels pin the reward down, the members agree; where they do not, a new
 * label is informative. Not checkpointed: after a restart it starts cold and fits 5x longer.
 */
export class QueryEnsemble {
  private readonly model: RewardModel;
  private fitted = false;

  /** `kernel`: what fits and scores (trainer/models/kernels/select.ts; absent = the automatic choice). */
  constructor(env: Env<unknown>, readonly size: number, hidden: readonly number[], seed: number, kernel?: KernelName | 'auto') {
    this.model = new RewardModel(makeRewardModelConfig({
      obsSize: env.observationSize, numActions: env.actionNames.length, hiddenSizes: [...hidden],
      ensembleSize: size, learningRate: 1e-3, weightDecay: 1e-2, seed: seed * 977 + 11,
    }), { kernel });
  }

  /** The members' weights (tests compare the kernels). */
  weights(): Float32Array[] {
    return this.model.namedWeights().map((w) => w.variable.dataSync() as Float32Array);
  }

  /**
   * `steps` Adam steps (5x when cold) on mini-batches of `all`; labelIds[i] names row i of `all`.
   * Pauses between steps when given a slicer (the cold fit is 100+ steps).
   */
  async fit(all: PairBatch, labelIds: readonly number[], steps: number, rng: Rng, slicer?: TimeSlicer): Promise<void> {
    if (all.count !== labelIds.length) throw new Error(`query ensemble: ${labelIds.length} label ids for ${all.count} pairs`);
    const total = this.fitted ? steps : steps * 5;
    const K = this.size;
    for (let step = 0; step < total; step++) {
      const idx = all.count <= ENSEMBLE_BATCH ? Array.from({ length: all.count }, (_, i) => i) : Array.from({ length: ENSEMBLE_BATCH }, () => rng.int(all.count));
      const w = new Float32Array(K * idx.length);
      for (let k = 0; k < K; k++) idx.forEach((i, m) => (w[k * idx.length + m] = poissonWeight(labelIds[i]!, k)));
      const batch = subBatch(all, idx);
      // The same reward-scale penalty as the learner (neural-rlhf.ts): near-deterministic labels
      // would otherwise let every member grow its scale, and P(first) would saturate for all.
      this.model.bootstrapPreferenceStep(batch.first, batch.second, batch.y, w, ENSEMBLE_REWARD_L2 / (batch.first.length * batch.first.length));
      await slicer?.pause('ensemble-step');
    }
    this.fitted = true;
  }

  /** Per candidate pair: std over members of P(first preferred) = sigmoid(R_k(a) - R_k(b)). */
  score(firsts: readonly Segment[], seconds: readonly Segment[], env: Env<unknown>, horizon: number): Float64Array {
    const steps = (seg: Segment) => ({ observations: seg.actions.map((_, h) => env.observe(seg.states[h])), actions: seg.actions });
    const a = makeSegmentBatch(firsts.map(steps), env.observationSize, horizon);
    const b = makeSegmentBatch(seconds.map(steps), env.observationSize, horizon);
    return this.model.preferenceDisagreement(a, b);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Poisson(1) draw from a hash of (label id, member): deterministic, so a member's resample is stable. */
export function poissonWeight(labelId: number, member: number): number {
  let h = Math.imul(labelId ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(member + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  const u = ((h ^ (h >>> 15)) >>> 0) / 4294967296;
  // Inverse CDF of Poisson(1): P(0) = P(1) = e^-1, P(2) = e^-1 / 2, ...
  let k = 0, p = Math.exp(-1), cdf = p;
  while (u > cdf && k < 12) {
    k++;
    p /= k;
    cdf += p;
  }
  return k;
}

export interface NeuralNextPairs {
  pairs: PairSpec[];
  /** Mean disagreement of the chosen pairs (0 under uniform selection). */
  meanScore: number;
}

/** At most this many candidate pairs are scored, however large the pending target grows. */
const MAX_CANDIDATE_PAIRS = 2000;

/**
 * `count` pairs of clips from `pool` (transitions of the current policy), best first. Uniform:
 * `count` random pairs, priority 0. Disagreement: count * oversample candidate pairs (capped)
 * scored by the query ensemble, the top `count` kept with their score as priority.
 */
export function nextNeuralPairs(
  env: Env<unknown>,
  pool: readonly Transition[],
  poolSeed: number,
  config: RunConfig,
  ensemble: QueryEnsemble | null,
  count: number,
  rng: Rng,
): NeuralNextPairs {
  if (count <= 0) return { pairs: [], meanScore: 0 };
  const uniform = config.querySelection === 'uniform' || ensemble === null;
  const candidates = uniform ? count : Math.min(Math.max(count, MAX_CANDIDATE_PAIRS), count * config.oversample);
  const segments = candidateSegments(env, pool, config.horizon, 2 * candidates, rng);
  const n = Math.floor(segments.length / 2);
  const firsts = segments.slice(0, n), seconds = segments.slice(n, 2 * n);
  const spec = (i: number, priority: number): PairSpec => ({ first: toClipSpec(firsts[i]!, poolSeed), second: toClipSpec(seconds[i]!, poolSeed), priority });
  if (uniform || n === 0) return { pairs: firsts.map((_, i) => spec(i, 0)), meanScore: 0 };
  const scores = ensemble.score(firsts, seconds, env, config.horizon);
  const chosen = topByScore(Array.from(scores), count);
  return {
    pairs: chosen.map((i) => spec(i, scores[i]!)),
    meanScore: chosen.reduce((s, i) => s + scores[i]!, 0) / Math.max(chosen.length, 1),
  };
}

/** Mean and std of r_x on the new policy's transitions: the reward scale the lower level sees. */
export function rewardStats(upper: NeuralUpperLevel, transitions: readonly Transition[], obsSize: number): Record<string, number> {
  if (transitions.length === 0) return {};
  const obs = new Float32Array(transitions.length * obsSize);
  transitions.forEach((tr, i) => obs.set(tr.obs, i * obsSize));
  const r = upper.rewardModel.predictRewards(obs, Int32Array.from(transitions, (tr) => tr.action));
  const mean = r.reduce((s, v) => s + v, 0) / r.length;
  const variance = r.reduce((s, v) => s + (v - mean) ** 2, 0) / r.length;
  return { 'reward/mean': mean, 'reward/std': Math.sqrt(variance) };
}
