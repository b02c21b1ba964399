/**
 * One continuous run's learner: the algorithm's upper level (null for the oracle), SAC below it,
 * the collector of the current policy's episodes and the pool of its newest transitions (where
 * clips are cut from). The trainer service's ContinuousEngine (trainer/service/continuous-run.ts)
 * and the tuning harness (trainer/cli/continuous-tune.ts) both drive it, so both train alike.
 * Reads top to bottom as one outer iteration: updateReward -> updatePolicy -> collect -> pairs.
 */
import { makeRng, type Rng } from '../../core/rng';
import type { AnyContinuousEnv } from '../../envs/types';
import { assertSupported, type AlgorithmName } from '../../contracts/algorithms';
import type { TimeSlicerLike } from './slicing';
import {
  ContinuousCollector, evaluateContinuous, randomClipPairs,
  type ContinuousLabeledPair, type ContinuousSegment, type ContinuousTransition,
} from './experience';
import { ContinuousLowerLevel } from './lower-level';
import { ContinuousQueryEnsemble } from './query-ensemble';
import { packContinuousPairs, type ContinuousPairBatch } from './reward-model';
import type { ContinuousSchedule } from './run-config';
import type { StateSections } from './sac';
import { makeAdamUpperLevel } from './sobirl';
import { makeStocSobirl } from './stoc-sobirl';
import { makeContinuousRewardModel, type ContinuousUpperLevel, type ContinuousUpperMetrics } from './upper-level';
import type { ContinuousRewardModel } from './reward-model';

export interface ContinuousSettings {
  gamma: number;
  /** Entropy weight: SAC's fixed alpha, or the auto-tuner's start. */
  tau: number;
  seed: number;
}

/** The upper level of `algorithm` (the oracle has none; the registry refuses the tabular-only ones). */
export function makeContinuousUpperLevel(algorithm: AlgorithmName, env: AnyContinuousEnv, schedule: ContinuousSchedule, seed: number): ContinuousUpperLevel | null {
  assertSupported(algorithm, env.id, 'simulate');
  switch (algorithm) {
    case 'sobirl': return makeAdamUpperLevel('sobirl', env, schedule.upper, seed);
    case 'drlhf': return makeAdamUpperLevel('drlhf', env, schedule.upper, seed);
    case 'stoc-sobirl': return makeStocSobirl(env, schedule.upper, seed);
    case 'oracle': return null;
    case 'm-sobirl':
    case 'pbrl':
    case 'hpgd':
      throw new Error(`${algorithm} needs a tabular environment`);
  }
}

export interface ContinuousLabels {
  all: ContinuousPairBatch;
  fresh: ContinuousPairBatch | null;
  freshPairs: ContinuousLabeledPair[];
}

export class ContinuousLearner {
  readonly upper: ContinuousUpperLevel | null;
  /** r_x: the upper level's, or (oracle) an untrained one that only fills 'return/learned'. */
  readonly rewardModel: ContinuousRewardModel;
  readonly lower: ContinuousLowerLevel;
  /** Disagreement selection's ensemble (null: pairs are drawn uniformly, or the oracle, which asks for no labels). */
  readonly queries: ContinuousQueryEnsemble | null;
  collector: ContinuousCollector<unknown>;
  pool: ContinuousTransition[] = [];
  poolSeed: number;

  constructor(readonly env: AnyContinuousEnv, readonly algorithm: AlgorithmName, readonly settings: ContinuousSettings, readonly schedule: ContinuousSchedule, collectorSeed: number) {
    const A = env.actionSpace.low.length;
    this.upper = makeContinuousUpperLevel(algorithm, env, schedule, settings.seed);
    this.rewardModel = this.upper?.rewardModel ?? makeContinuousRewardModel(env, schedule.upper, settings.seed);
    this.lower = new ContinuousLowerLevel(env.observationSize, A, settings.gamma, settings.tau, settings.seed, schedule.lower);
    const selection = schedule.selection;
    this.queries = this.upper && selection?.mode === 'disagreement' ? new ContinuousQueryEnsemble(env, selection.ensemble, settings.seed) : null;
    this.poolSeed = collectorSeed;
    this.collector = new ContinuousCollector(env, schedule.numEnvs, makeRng(collectorSeed), schedule.collectEpisodeSteps);
  }

  /** A new collection stream (a resumed learner's episodes start afresh). */
  restartCollection(seed: number): void {
    this.poolSeed = seed;
    this.collector = new ContinuousCollector(this.env, this.schedule.numEnvs, makeRng(seed), this.schedule.collectEpisodeSteps);
  }

  /** `steps` env steps of the current policy: into the replay, and the new pool of clips. */
  async collect(steps: number, slicer?: TimeSlicerLike): Promise<ContinuousTransition[]> {
    const out: ContinuousTransition[] = [];
    const rounds = Math.ceil(steps / this.schedule.numEnvs);
    for (let r = 0; r < rounds; r++) {
      for (const tr of this.collector.collect(this.lower.policy, this.schedule.numEnvs)) out.push(tr);
      if (r % 25 === 24) await slicer?.pause('collect-round');
    }
    this.lower.add(out);
    this.pool = out;
    return out;
  }

  /** Upper level: the algorithm moves x on the labels (the oracle has nothing to move). */
  async updateReward(labels: ContinuousLabels, k: number, rng: Rng, slicer?: TimeSlicerLike): Promise<Partial<ContinuousUpperMetrics>> {
    if (!this.upper) return {};
    return this.upper.update({
      env: this.env, all: labels.all, fresh: labels.fresh, freshPairs: labels.freshPairs, policy: this.lower.policy,
      tau: this.lower.sac.alpha, gamma: this.settings.gamma, k, rng,
    }, slicer ? () => slicer.pause('upper-step') : undefined);
  }

  /** Lower level: SAC under the current r_x (the oracle: the true reward), warm-started, in slices. */
  async updatePolicy(rng: Rng, slicer?: TimeSlicerLike): Promise<Record<string, number>> {
    const model = this.rewardModel;
    const reward = this.upper ? (obs: Float32Array, actions: Float32Array, rows: number) => model.rewards(obs, actions, rows) : 'true' as const;
    const total = this.schedule.lower.updatesPerIter, chunk = 50;
    const m = { critic: 0, actor: 0, entropy: 0 };
    for (let done = 0; done < total; done += chunk) {
      const steps = Math.min(chunk, total - done);
      const part = this.lower.train(reward, rng, steps);
      m.critic += (part.critic * steps) / total;
      m.actor += (part.actor * steps) / total;
      m.entropy += (part.entropy * steps) / total;
      await slicer?.pause('sac-updates');
    }
    return { 'loss/critic': m.critic, 'loss/actor': m.actor, 'sac/alpha': this.lower.sac.alpha, 'sac/entropy': m.entropy };
  }

  /** `count` pairs of `horizon`-step clips cut from the pool at uniformly drawn starts. */
  candidatePairs(count: number, horizon: number, rng: Rng): Array<[ContinuousSegment, ContinuousSegment]> {
    return randomClipPairs(this.env.id, this.pool, horizon, count, rng);
  }

  /** 'return/true' (sampled actions), 'return/mean-action' (tanh(mu)) and 'return/learned' of the same sampled episodes. */
  evaluate(episodes: number, rng: Rng): Record<string, number> {
    if (episodes === 0) return {};
    const model = this.rewardModel;
    const sampled = evaluateContinuous(this.env, this.lower.policy, episodes, rng, (o, a, rows) => model.rewards(o, a, rows));
    const mean = evaluateContinuous(this.env, this.lower.meanPolicy, episodes, rng);
    return { 'return/true': sampled.trueReturn, 'return/learned': sampled.learnedReturn ?? Number.NaN, 'return/greedy': mean.trueReturn };
  }

  /** The labelled pairs packed for the reward model, `fresh` being the ones on the current policy's clips. */
  packLabels(all: readonly ContinuousLabeledPair[], fresh: readonly ContinuousLabeledPair[], horizon: number): ContinuousLabels | null {
    return all.length === 0 ? null : ContinuousLearner.pack(this.env, all, fresh, horizon);
  }

  /** Packing needs the env only: the padded length is the horizon, or the longest clip if longer (never truncated). */
  static pack(env: AnyContinuousEnv, all: readonly ContinuousLabeledPair[], fresh: readonly ContinuousLabeledPair[], horizon: number): ContinuousLabels {
    let H = horizon;
    for (const p of all) H = Math.max(H, p.first.actions.length, p.second.actions.length);
    return { all: packContinuousPairs(env, all, H), fresh: fresh.length > 0 ? packContinuousPairs(env, fresh, H) : null, freshPairs: [...fresh] };
  }

  /** Everything a checkpoint holds: weights (reward, SAC) and optimiser state (every Adam, the upper level's step, the query ensemble). */
  exportState(): { reward: StateSections; policy: StateSections; optimizer: StateSections } {
    const sac = this.lower.sac.exportState();
    const upper = this.upper?.exportState() ?? {};
    const optimizer: StateSections = {};
    for (const [k, v] of Object.entries(sac.optimizer)) optimizer[`sac/${k}`] = v;
    for (const [k, v] of Object.entries(upper)) optimizer[`upper/${k}`] = v;
    for (const [k, v] of Object.entries(this.queries?.exportState() ?? {})) optimizer[`queries/${k}`] = v;
    return { reward: { reward: this.rewardModel.net.params().slice() }, policy: sac.weights, optimizer };
  }

  /** Restores `exportState()`; throws in words (naming the section) on anything that does not fit, before writing anything. */
  importState(state: { reward: StateSections; policy: StateSections; optimizer: StateSections }): void {
    const reward = state.reward.reward;
    const n = this.rewardModel.net.paramCount;
    if (!reward) throw new Error("reward model: weights 'reward' are missing");
    if (reward.length !== n) throw new Error(`reward model: holds ${reward.length} weights; this run's network needs ${n} (hidden sizes or env changed?)`);
    for (const x of reward) if (!Number.isFinite(x)) throw new Error('reward model: holds non-finite weights');
    const sacOpt: StateSections = {}, upperOpt: StateSections = {}, queriesOpt: StateSections = {};
    for (const [k, v] of Object.entries(state.optimizer)) {
      if (k.startsWith('sac/')) sacOpt[k.slice(4)] = v;
      else if (k.startsWith('upper/')) upperOpt[k.slice(6)] = v;
      else if (k.startsWith('queries/')) queriesOpt[k.slice(8)] = v;
    }
    // A checkpoint without the ensemble (written under uniform selection) leaves it cold; one
    // with an ensemble that does not fit is refused here, before anything is written.
    const withQueries = this.queries && Object.keys(queriesOpt).length > 0 ? this.queries : null;
    withQueries?.checkState(queriesOpt);
    // SAC checks every section before writing; the upper level's state is checked by importState too.
    const before = this.lower.sac.exportState();
    this.lower.sac.importState(state.policy, sacOpt);
    try {
      this.upper?.importState(upperOpt);
    } catch (error) {
      this.lower.sac.importState(before.weights, before.optimizer);
      throw error;
    }
    this.rewardModel.net.setParams(reward);
    withQueries?.importState(queriesOpt);
  }
}
