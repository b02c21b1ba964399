/**
 * The neural Engine (engine.ts) for runs on envs without a transition model (cartpole,
 * mountaincar, acrobot): the learner is the run's upper level (owns the reward model r_x) and
 * the soft-Q lower level, plus the experience collector and the current policy's transitions
 * (where the next clips are cut from); the engine keeps the query ensemble and the measured
 * label demand. The service and `simulate` (trainer/simulate/simulate.ts) both run it; one outer
 * iteration, as either calls it:
 *   reward  the run's upper level on every label so far (fresh = pairs drawn by the checkpoint
 *           the learner resumed from), pi_k fixed;
 *   policy  N soft Q updates, warm-started, replay relabelled with the updated r_x (the oracle:
 *           on the true reward, no labels);
 *   gather  env steps with the NEW policy pi_{k+1} into the replay; the next pairs are cut from
 *           these trajectories.
 * The long loops (Q updates, env collection, the ensemble's fit) run in slices that yield to the
 * event loop (TimeSlicer), so the service's other runs and simulated annotators go on while an
 * iteration computes; the result is the same as without slicing. After a restart (or a
 * fallback) the models are rebuilt from the checkpoint and the replay is refilled by collecting
 * env steps with the resumed policy before any Q update.
 */
import { makeRng } from '../core/rng';
import { getEnv } from '../envs';
import type { Env } from '../envs/types';
import { initBackend } from '../models/backend';
import { ExperienceCollector, evaluateReturn, evaluateReturns, greedyPolicy, type Transition } from '../algorithms/neural/experience';
import { DEFAULT_NEURAL_RUN, type NeuralRunConfig } from '../algorithms/neural/run-config';
import type { AlgorithmName } from '../contracts/algorithms';
import { resolveRunConfig } from '../contracts/run-config';
import type { EncodedCheckpoint, Engine, EngineLabels, EnginePlan, EngineRun, Metrics, Proposal, ProposalRequest, StepContext, StoredCheckpoint } from './engine';
import {
  QueryEnsemble, collectSliced, disposeModels, makeNeuralModels, neuralSchedule, nextNeuralPairs, rewardStats,
  toNeuralLabeledData, trainLowerSliced, type NeuralLabeledData, type NeuralModels, type NeuralSchedule,
} from './neural-engine';
import { NEURAL_CHECKPOINT_ROW_FORMAT, encodeNeuralCheckpoint, loadNeuralCheckpoint } from './neural-checkpoint';
import { mixSeed } from './tabular-engine';
import type { LabelRow } from './store';
import { MeasuredDemand } from './measured-demand';
import type { TimeSlicer } from './time-slicer';

export interface NeuralPlan extends EnginePlan {
  algorithm: AlgorithmName;
  schedule: NeuralSchedule;
  env: Env<unknown>;
}

/** One checkpoint's learner and the trajectories of its policy. */
export interface NeuralLearner {
  models: NeuralModels;
  collector: ExperienceCollector<unknown>;
  /** Transitions of the current policy: where the next clips are cut from. */
  pool: Transition[];
  /** Seed of the collection stream that produced `pool` (stored on its clips). */
  poolSeed: number;
}

/** The neural labels, with the ids the query ensemble's bootstrap weights hash. */
export interface NeuralLabels extends NeuralLabeledData {
  labelIds: number[];
  /** Labels above the resumed checkpoint's watermark. */
  consumed: number;
}

type Ctx = StepContext<NeuralPlan>;

// The measured label demand (labels per iteration, the pending target it implies): measured-demand.ts.
export { labelsPerIteration, pendingTargetFor } from './measured-demand';

export interface NeuralEngineOptions {
  /**
   * The schedule a run's `neural` settings override (tests and simulations pass their own, e.g.
   * a tiny one). The service's default is DEFAULT_NEURAL_RUN without the greedy evaluation: a
   * second set of evaluation episodes per iteration is a diagnostic `simulate` reports, not
   * something a served run waits for.
   */
  schedule?: NeuralRunConfig;
}

export class NeuralEngine implements Engine<NeuralLearner, NeuralPlan, NeuralLabels> {
  readonly kind = 'neural';
  private readonly baseSchedule: NeuralRunConfig;
  private ensemble: QueryEnsemble | null = null;
  private readonly demand = new MeasuredDemand();
  /** When the iteration in flight started and when its learner finished ('time/learner_s'). */
  private iterationStarted = 0;
  private learnerSeconds = Number.NaN;

  constructor(options: NeuralEngineOptions = {}) {
    this.baseSchedule = options.schedule ?? { ...DEFAULT_NEURAL_RUN, evalGreedy: false };
  }

  firstCheckpointNote(run: EngineRun): string {
    return ` (${run.envId}, neural)`;
  }

  plan(run: EngineRun): NeuralPlan {
    const config = resolveRunConfig(run.envId, run.config);
    const algorithm = run.algorithm as AlgorithmName;
    const schedule = neuralSchedule(config, this.baseSchedule);
    return {
      config, algorithm, schedule, env: getEnv(run.envId) as Env<unknown>,
      setupKey: JSON.stringify([run.envId, run.algorithm, config.seed, config.gamma, config.tau, config.horizon, config.algorithm, config.neural ?? null]),
    };
  }

  async prepare(): Promise<void> {
    await initBackend();
  }

  async pendingTarget(ctx: Ctx, measured?: { watermark: number; maxLabelId: number; seconds: number }): Promise<number> {
    return this.demand.pendingTarget(ctx, ctx.plan.config.pendingFactor, measured);
  }

  /** The untrained learner with `envStepsPerIter` env steps of its policy collected. */
  async start(ctx: Ctx): Promise<NeuralLearner> {
    return this.withModels(ctx, (models) => this.collectInto(ctx, models, ctx.run.iteration, ctx.plan.schedule.run.envStepsPerIter));
  }

  /**
   * Models from the checkpoint (or untrained); the replay did not survive, so it is refilled with
   * the resumed policy before any Q update (at least minReplay transitions, so the next
   * iteration's updates run). The measured demand survives in the metrics: the first iteration
   * after a restart is not starved.
   */
  async restore(ctx: Ctx, stored: StoredCheckpoint | null, iteration: number): Promise<NeuralLearner> {
    await this.demand.resume(ctx.history);
    const { run } = ctx.plan.schedule;
    return this.withModels(ctx, async (models) => {
      if (stored) await loadNeuralCheckpoint(ctx.run.envId, stored.meta.formatVersion, stored.blobs, models, stored.label);
      return this.collectInto(ctx, models, iteration, Math.max(run.envStepsPerIter, run.lowerLevel.minReplay));
    });
  }

  restoredNote(learner: NeuralLearner, stored: StoredCheckpoint): string {
    return `resumed from ${stored.label}; replay refilled with ${learner.pool.length} env steps of its policy`;
  }

  labels(ctx: Ctx, rows: readonly LabelRow[], resumedFrom: { checkpointId: number; watermark: number }): EngineLabels<NeuralLabels> {
    const data = toNeuralLabeledData(ctx.run.envId, rows, resumedFrom.checkpointId, ctx.plan.config.horizon);
    const consumed = rows.filter((r) => r.labelId > resumedFrom.watermark).length;
    return { data: { ...data, labelIds: rows.map((r) => r.labelId), consumed }, all: data.allCount, fresh: data.freshPairs.length };
  }

  async updateReward(ctx: Ctx, learner: NeuralLearner, labels: EngineLabels<NeuralLabels>): Promise<Metrics> {
    const { run, slicer, plan } = ctx;
    const { data } = labels;
    this.iterationStarted = performance.now();
    // The iteration takes seconds and other runs tick meanwhile: say when it starts.
    ctx.log(`trainer run=${run.id} k=${run.iteration + 1} computing on ${data.allCount} labels (${data.consumed} new)`);
    await slicer.pause('read-labels');
    const metrics: Metrics = {};
    const { upper } = learner.models;
    if (data.all && upper) {
      Object.assign(metrics, await upper.update({
        env: plan.env, all: data.all, fresh: data.fresh ?? emptyLike(data.all), freshPairs: data.freshPairs, policy: learner.models.lower.policy, k: run.iteration,
      }, () => slicer.pause('upper-step')));
    }
    await slicer.pause('upper-level');
    return metrics;
  }

  async updatePolicy(ctx: Ctx, learner: NeuralLearner): Promise<Metrics> {
    const { run, plan, slicer } = ctx;
    const { models } = learner;
    const rng = makeRng(mixSeed(plan.config.seed, run.id, run.iteration + 1, 2));
    // The oracle (simulations only) is not sliced: the service never runs it.
    const td = models.upper ? await trainLowerSliced(models.lower, models.upper.rewardModel, rng, slicer) : models.lower.trainOnTruth(rng);
    this.learnerSeconds = (performance.now() - this.iterationStarted) / 1000;
    return { 'loss/td': td };
  }

  /** The NEW policy's trajectories: they join the replay, and the next clips are cut from them. */
  async gather(ctx: Ctx, learner: NeuralLearner): Promise<Metrics> {
    const { run, plan, slicer } = ctx;
    learner.poolSeed = mixSeed(plan.config.seed, run.id, run.iteration + 1, 4);
    learner.pool = await this.collect(learner.models, learner.collector, plan.schedule.run.envStepsPerIter, plan.schedule.run.numEnvs, slicer);
    return learner.models.upper ? rewardStats(learner.models.upper, learner.pool, plan.env.observationSize) : {};
  }

  async propose(ctx: Ctx, learner: NeuralLearner, request: ProposalRequest<NeuralLabels>): Promise<Proposal & { metrics?: Metrics }> {
    const { run, plan, slicer } = ctx;
    const { config } = plan;
    switch (request.purpose) {
      case 'first':
        // No labels yet: the ensemble is untrained, so its ranking is arbitrary; uniform is honest.
        return nextNeuralPairs(plan.env, learner.pool, learner.poolSeed, { ...config, querySelection: 'uniform' }, null, request.count,
          makeRng(mixSeed(config.seed, run.id, run.iteration, 0)));
      case 'top-up':
        return nextNeuralPairs(plan.env, learner.pool, learner.poolSeed, config, this.ensemble, request.count - request.pending,
          makeRng(mixSeed(config.seed, run.id, run.iteration, request.index, 17)));
      case 'iteration': {
        const { data } = request.labels;
        const queryStarted = performance.now();
        const ensemble = this.ensembleFor(ctx);
        if (ensemble && data.all) await ensemble.fit(data.all, data.labelIds, plan.schedule.ensembleSteps, makeRng(mixSeed(config.seed, run.id, run.iteration + 1, 5)), slicer);
        const next = nextNeuralPairs(plan.env, learner.pool, learner.poolSeed, config, ensemble, request.count, makeRng(mixSeed(config.seed, run.id, run.iteration + 1, 0)));
        const querySeconds = (performance.now() - queryStarted) / 1000;
        await slicer.pause('query-selection');
        return {
          ...next,
          metrics: {
            'labels/new': data.consumed, 'queue/target': request.count, 'queue/demand': this.demand.latest,
            'time/learner_s': this.learnerSeconds, 'time/query_s': querySeconds,
          },
        };
      }
    }
  }

  /** Uniform pairs of the policy the iteration starts from (the query ensemble is being refitted meanwhile). */
  topUpSource(ctx: Ctx, learner: NeuralLearner): (count: number, index: number) => Proposal['pairs'] {
    const { run, plan } = ctx;
    const { pool, poolSeed } = learner;
    return (count, index) => nextNeuralPairs(plan.env, pool, poolSeed, { ...plan.config, querySelection: 'uniform' }, null, count,
      makeRng(mixSeed(plan.config.seed, run.id, run.iteration, index, 17))).pairs;
  }

  /**
   * 'return/true' and 'return/learned': the mean true and learned (sum of r_x) return of the
   * same evaluation episodes of the policy (finalEvalEpisodes of them for a simulation's last
   * point); 'return/greedy' (schedule.evalGreedy): the greedy policy argmax Q on episodes of
   * its own stream. Not stored when evalEpisodes is 0 (NaN: commitIteration skips non-finite metrics).
   */
  evaluate(ctx: Ctx, learner: NeuralLearner, iteration: number, final = false): Metrics {
    const { plan, run } = ctx;
    const schedule = plan.schedule.run;
    if (schedule.evalEpisodes === 0) return { 'return/true': Number.NaN, 'return/learned': Number.NaN };
    const episodes = final ? schedule.finalEvalEpisodes : schedule.evalEpisodes;
    const reward = learner.models.upper?.rewardModel;
    const { policy } = learner.models.lower;
    const { trueReturn, learnedReturn } = evaluateReturns(
      plan.env, policy, episodes, makeRng(mixSeed(plan.config.seed, run.id, iteration, 3)),
      reward ? (obs, actions) => reward.predictRewards(obs, actions) : undefined,
    );
    const metrics: Metrics = { 'return/true': trueReturn, 'return/learned': learnedReturn ?? Number.NaN };
    if (schedule.evalGreedy) {
      const greedy = greedyPolicy(policy, plan.env.actionNames.length);
      metrics['return/greedy'] = evaluateReturn(plan.env, greedy, episodes, makeRng(mixSeed(plan.config.seed, run.id, iteration, 6)));
    }
    return metrics;
  }

  async encodeCheckpoint(learner: NeuralLearner): Promise<EncodedCheckpoint> {
    return { formatVersion: NEURAL_CHECKPOINT_ROW_FORMAT, ...(await encodeNeuralCheckpoint(learner.models)) };
  }

  summary(ctx: Ctx, _learner: NeuralLearner, labels: EngineLabels<NeuralLabels>, m: Metrics): string {
    const { slicer } = ctx;
    return `loss=${(m['loss/preference'] ?? Number.NaN).toFixed(4)} labels=${labels.all} ` +
      `fresh=${labels.fresh} new=${labels.data.consumed} return=${m['return/true']!.toFixed(1)} pending=${m['queue/pending']} target=${m['queue/target']} seconds=${m['time/iteration_s']!.toFixed(2)} ` +
      `yields=${slicer.yields} longest_slice_ms=${Math.round(slicer.longestSliceMs)} longest_at=${slicer.longestSliceAt || 'start'} topped_up_during=${m['queue/topped_up_during']}`;
  }

  dispose(learner: NeuralLearner): void {
    disposeModels(learner.models);
  }

  close(): void {
    this.ensemble?.dispose();
    this.ensemble = null;
  }

  /** Fresh models for the run, released if `use` fails. */
  private async withModels(ctx: Ctx, use: (models: NeuralModels) => Promise<NeuralLearner>): Promise<NeuralLearner> {
    const models = makeNeuralModels(ctx.run.envId, ctx.plan.algorithm, ctx.plan.config, ctx.plan.schedule);
    try {
      return await use(models);
    } catch (error) {
      disposeModels(models);
      throw error;
    }
  }

  /** A new collection stream for `iteration`, and `steps` env steps of the models' policy from it. */
  private async collectInto(ctx: Ctx, models: NeuralModels, iteration: number, steps: number): Promise<NeuralLearner> {
    const { run, plan } = ctx;
    const poolSeed = mixSeed(plan.config.seed, run.id, iteration, 1);
    const collector = new ExperienceCollector(plan.env, plan.schedule.run.numEnvs, makeRng(poolSeed), plan.schedule.run.actionPersistence ?? 0);
    const pool = await this.collect(models, collector, steps, plan.schedule.run.numEnvs, ctx.slicer);
    return { models, collector, pool, poolSeed };
  }

  /** Collects `steps` env steps with the models' current policy into their replay (in slices); returns them. */
  private async collect(models: NeuralModels, collector: ExperienceCollector<unknown>, steps: number, numEnvs: number, slicer: TimeSlicer): Promise<Transition[]> {
    const fresh = await collectSliced(collector, models.lower.policy, steps, numEnvs, slicer);
    models.lower.add(fresh);
    return fresh;
  }

  private ensembleFor(ctx: Ctx): QueryEnsemble | null {
    const { run, plan } = ctx;
    if (plan.config.querySelection === 'uniform') return null;
    if (!this.ensemble || this.ensemble.size !== plan.config.ensembleSize) {
      this.ensemble?.dispose();
      this.ensemble = new QueryEnsemble(plan.env, plan.config.ensembleSize, plan.schedule.ensembleHidden, mixSeed(plan.config.seed, run.id));
    }
    return this.ensemble;
  }
}

/** A batch with no pairs (the upper level skips exploration when no label is on-policy). */
function emptyLike(batch: NonNullable<NeuralLabeledData['all']>) {
  const none = (b: typeof batch.first) => ({ ...b, count: 0, obs: new Float32Array(0), actions: new Int32Array(0), mask: new Float32Array(0) });
  return { first: none(batch.first), second: none(batch.second), y: new Float32Array(0), count: 0 };
}
