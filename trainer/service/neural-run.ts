/**
 * One neural run's side of the loop (cartpole, mountaincar, acrobot): the same contract and
 * guarantees as TabularRunDriver. Each `tick`:
 *   resolve the checkpoint to resume (newest that loads; a broken one is reported on the run and
 *   the previous one used) -> if >= label_batch_size new labels (or the timeout passed with at
 *   least one): short read of the labels, one outer iteration OUTSIDE any transaction, then ONE
 *   IMMEDIATE transaction with checkpoint + metrics + next pairs + iteration counter;
 *   else, if the queue runs below the pending target, top it up from the current policy.
 *
 * Trigger: as tabular runs, except that on the newest checkpoint the label_batch_size new labels
 * must be on that checkpoint's own pairs (or the timeout passed): see the README.
 *
 * One outer iteration is simulate-neural.ts's, with people (or scripted teachers through
 * label.submit) in place of the in-process teacher:
 *   reward  the run's upper level on every label so far (fresh = pairs drawn by the checkpoint
 *           the learner resumed from), pi_k fixed;
 *   policy  N soft Q updates, warm-started, replay relabelled with the updated r_x;
 *   collect env steps with the NEW policy pi_{k+1} into the replay; the next pairs are cut from
 *           these trajectories (simulate collects them at the start of iteration k+1: same order).
 * The learner, its replay buffer, the experience collector and the query ensemble live in memory
 * between iterations. The long loops (Q updates, env collection, the ensemble's fit) run in
 * slices that yield to the event loop (TimeSlicer), so the service's other runs and simulated
 * annotators go on while an iteration computes; the result is the same as without slicing.
 * After a restart (or a fallback) the models are rebuilt from the checkpoint and the replay is
 * refilled by collecting env steps with the resumed policy before any Q update.
 */
import { and, eq, gt, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { labels, pairs, type Run } from '../../db/schema';
import { makeRng } from '../core/rng';
import { getEnv } from '../envs';
import type { Env } from '../envs/types';
import { initBackend } from '../models/backend';
import { ExperienceCollector, evaluateReturns, type Transition } from '../algorithms/neural/experience';
import { resolveRunConfig, type RunAlgorithm, type RunConfig } from './run-config';
import {
  DEFAULT_SLICE_MS, QueryEnsemble, TimeSlicer, collectSliced, disposeModels, makeNeuralModels, neuralSchedule, nextNeuralPairs, rewardStats,
  toNeuralLabeledData, trainLowerSliced, type NeuralModels, type NeuralSchedule,
} from './neural-engine';
import { NEURAL_CHECKPOINT_FORMAT, encodeNeuralCheckpoint, loadNeuralCheckpoint } from './neural-checkpoint';
import { CheckpointLoadError } from './tabular-checkpoint';
import { mixSeed, parseAlgorithm } from './tabular-engine';
import {
  batchReady, commitIteration, latestMetric, listCheckpoints, loadCheckpointBlobs, newLabelStats, openPairCount, readLabels, activeAnnotatorIds,
  recordRunError, topUpPairs, type CheckpointMeta,
} from './store';
import type { DriverOptions, TickOutcome } from './tabular-run';
import { pendingTargetFor as sharedPendingTarget } from './queue-target';

export interface NeuralDriverOptions extends DriverOptions {
  /** Longest stretch of compute between two yields to the event loop (ms; Infinity = never yield). */
  sliceMs?: number;
}

/** What the loop resumes from: models loaded from a checkpoint (or fresh, when none loads). */
interface Resumed {
  checkpointId: number | null;
  watermark: number;
  setupKey: string;
  models: NeuralModels;
  collector: ExperienceCollector<unknown>;
  /** Transitions of the current policy: where the next clips are cut from. */
  pool: Transition[];
  /** Seed of the collection stream that produced `pool` (stored on its clips). */
  poolSeed: number;
}

/** Iterations whose measured demand sizes the pending target (the largest of them counts). */
const RECENT_ITERATIONS = 3;
/** Added to an iteration's compute time: the poll pause, the read and the commit. */
const CYCLE_SLACK_S = 1;
/** How often an iteration in flight checks its run's queue (see queueKeeper). */
const QUEUE_CHECK_MS = 250;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Labels the annotators can give during one iteration: their measured arrival rate times the
 * iteration's measured duration. The rate comes from the submission times of the labels an
 * iteration consumed (count over their time span): when the queue ran dry, those labels came in
 * a burst while pairs were available, so the rate is what annotators CAN do, not the starved
 * average (counting labels per iteration instead would be capped by the queue itself, and the
 * target would never grow out of a starved state).
 */
export function labelsPerIteration(arrival: { count: number; spanMs: number }, iterationSeconds: number): number {
  if (arrival.count < 2) return arrival.count;
  const rate = arrival.count / Math.max(arrival.spanMs / 1000, 1);
  return rate * (iterationSeconds + CYCLE_SLACK_S);
}

/**
 * Pending target: pendingFactor x the labels one iteration consumes (the README's rule), with
 * that number MEASURED for neural runs: an iteration takes seconds and a fixed
 * 2 x label_batch_size runs dry. The largest demand of the
 * recent iterations counts (arrival is bursty); never below pendingFactor x label_batch_size.
 */
export function pendingTargetFor(
  pendingFactor: number, labelBatchSize: number, recentDemand: readonly number[],
  queue: { labelsWanted: number; activeAnnotators: number } = { labelsWanted: 1, activeAnnotators: 0 },
): number {
  // queue-target.ts's rule, with this driver's measured demand as the labels per cycle.
  return sharedPendingTarget({
    pendingFactor, labelBatchSize, labelsWanted: queue.labelsWanted, labelRate: 0, cycleSeconds: 0,
    activeAnnotators: queue.activeAnnotators, measuredDemand: Math.max(0, ...recentDemand),
  });
}

/** How many of the labels (id in (afterId, upToId]) arrived, and over what span of submission times. */
function labelArrival(db: Db, runId: number, afterId: number, upToId: number): { count: number; spanMs: number } {
  const row = db
    .select({ count: sql<number>`count(*)`, first: sql<number | null>`min(${labels.createdAt})`, last: sql<number | null>`max(${labels.createdAt})` })
    .from(labels)
    .innerJoin(pairs, eq(pairs.id, labels.pairId))
    .where(and(eq(pairs.runId, runId), isNotNull(labels.y), isNull(labels.undoneAt), gt(labels.id, afterId), lte(labels.id, upToId)))
    .get();
  return { count: row?.count ?? 0, spanMs: row?.first != null && row.last != null ? row.last - row.first : 0 };
}

export class NeuralRunDriver {
  private resumed: Resumed | null = null;
  private ensemble: QueryEnsemble | null = null;
  private readonly badCheckpoints = new Set<number>();
  private readonly recentDemand: number[] = [];
  /** The run's active annotators at the last tick (store.ts activeAnnotatorIds): overlap and leases size the target. */
  private activeIds: readonly number[] = [];
  private topUps = 0;
  private lastConfigError: string | null = null;

  constructor(
    private readonly db: Db,
    readonly runId: number,
    private readonly options: NeuralDriverOptions,
  ) {}

  private targetFor(config: RunConfig, run: Run): number {
    return pendingTargetFor(config.pendingFactor, run.labelBatchSize, this.recentDemand, { labelsWanted: run.labelsWanted, activeAnnotators: this.activeIds.length });
  }

  /** The pending target the driver keeps now (tests, bench). */
  pendingTarget(run: Run): number {
    const config = resolveRunConfig(run.envId, run.config);
    return this.targetFor(config, run);
  }

  /** Test hook: the in-memory learner of the newest committed checkpoint (null before the first tick). */
  currentModels(): NeuralModels | null {
    return this.resumed?.models ?? null;
  }

  async tick(run: Run, now: number): Promise<TickOutcome> {
    let config: RunConfig;
    let algorithm: RunAlgorithm;
    let schedule: NeuralSchedule;
    try {
      config = resolveRunConfig(run.envId, run.config);
      algorithm = parseAlgorithm(run.algorithm);
      schedule = neuralSchedule(config);
      if (algorithm === 'm-sobirl' || algorithm === 'oracle') disposeModels(makeNeuralModels(run.envId, algorithm, config, schedule)); // throws the reason
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastConfigError) {
        this.lastConfigError = message;
        this.options.log(`trainer run=${run.id} cannot train: ${message}`);
        recordRunError(this.db, run.id, message, now);
      }
      return 'blocked';
    }
    await initBackend();
    const slicer = new TimeSlicer(this.options.sliceMs ?? DEFAULT_SLICE_MS);
    const setupKey = JSON.stringify([run.envId, run.algorithm, config.seed, config.gamma, config.tau, config.horizon, config.algorithm, config.neural ?? null]);
    if (this.resumed && this.resumed.setupKey !== setupKey) this.forget();
    const checkpoints = listCheckpoints(this.db, run.id);
    this.activeIds = activeAnnotatorIds(this.db, run.id, now);
    const pendingTarget = this.targetFor(config, run);

    if (checkpoints.length === 0) return this.bootstrap(run, config, algorithm, schedule, setupKey, pendingTarget, now, slicer);

    const resumed = await this.resume(run, config, algorithm, schedule, setupKey, checkpoints, now, slicer);
    const stats = newLabelStats(this.db, run.id, resumed.watermark);
    const timedOut = stats.count > 0 && stats.oldestAt !== null && now - stats.oldestAt >= config.iterationTimeoutMs;
    const current = checkpoints.find((c) => c.id === resumed.checkpointId);
    const isNewest = current !== undefined && current.iteration === run.iteration;
    if (batchReady(this.db, run, stats.count, isNewest ? resumed.checkpointId : null, resumed.watermark, this.activeIds) || timedOut) {
      return this.iterate(run, config, schedule, resumed, stats.maxId, slicer);
    }
    const open = resumed.checkpointId !== null ? openPairCount(this.db, run.id, this.activeIds) : pendingTarget;
    if (resumed.checkpointId !== null && open < pendingTarget) {
      if (!isNewest) return 'idle'; // a fallback checkpoint: wait for the next iteration
      const env = getEnv(run.envId) as Env<unknown>;
      const needed = pendingTarget - open;
      const next = nextNeuralPairs(env, resumed.pool, resumed.poolSeed, config, this.ensemble, needed, makeRng(mixSeed(config.seed, run.id, run.iteration, ++this.topUps, 17)));
      const inserted = topUpPairs(this.db, {
        runId: run.id, envId: run.envId, checkpointId: resumed.checkpointId, iteration: run.iteration,
        pairs: next.pairs, pendingTarget, activeIds: this.activeIds, labelsWanted: run.labelsWanted, now,
      });
      return inserted > 0 ? 'topped-up' : 'idle';
    }
    return 'idle';
  }

  /** Releases the tfjs models (a run that stopped, or the service stopping). */
  dispose(): void {
    this.forget();
    this.ensemble?.dispose();
    this.ensemble = null;
  }

  private forget(): void {
    if (this.resumed) disposeModels(this.resumed.models);
    this.resumed = null;
  }

  /** Collects `steps` env steps with the models' current policy into their replay (in slices); returns them. */
  private async collect(models: NeuralModels, collector: ExperienceCollector<unknown>, steps: number, numEnvs: number, slicer: TimeSlicer): Promise<Transition[]> {
    const fresh = await collectSliced(collector, models.lower.policy, steps, numEnvs, slicer);
    models.lower.add(fresh);
    return fresh;
  }

  private newCollector(run: Run, config: RunConfig, schedule: NeuralSchedule, iteration: number): { collector: ExperienceCollector<unknown>; seed: number } {
    const seed = mixSeed(config.seed, run.id, iteration, 1);
    return { collector: new ExperienceCollector(getEnv(run.envId) as Env<unknown>, schedule.run.numEnvs, makeRng(seed)), seed };
  }

  private ensembleFor(run: Run, config: RunConfig, schedule: NeuralSchedule): QueryEnsemble | null {
    if (config.querySelection === 'uniform') return null;
    if (!this.ensemble || this.ensemble.size !== config.ensembleSize) {
      this.ensemble?.dispose();
      this.ensemble = new QueryEnsemble(getEnv(run.envId) as Env<unknown>, config.ensembleSize, schedule.ensembleHidden, mixSeed(config.seed, run.id));
    }
    return this.ensemble;
  }

  /** The run's first checkpoint (the untrained learner) and its first pairs, from the untrained policy. */
  private async bootstrap(run: Run, config: RunConfig, algorithm: RunAlgorithm, schedule: NeuralSchedule, setupKey: string, pendingTarget: number, now: number, slicer: TimeSlicer): Promise<TickOutcome> {
    this.forget();
    const models = makeNeuralModels(run.envId, algorithm, config, schedule);
    try {
      const env = getEnv(run.envId) as Env<unknown>;
      const { collector, seed } = this.newCollector(run, config, schedule, run.iteration);
      const pool = await this.collect(models, collector, schedule.run.envStepsPerIter, schedule.run.numEnvs, slicer);
      // No labels yet: the ensemble is untrained, so its ranking is arbitrary; uniform is honest.
      const next = nextNeuralPairs(env, pool, seed, { ...config, querySelection: 'uniform' }, null, pendingTarget, makeRng(mixSeed(config.seed, run.id, run.iteration, 0)));
      const evaluated = this.evaluate(env, models, schedule, config, run, run.iteration);
      const result = commitIteration(this.db, {
        runId: run.id, envId: run.envId, expectedIteration: run.iteration, advance: false,
        checkpoint: { formatVersion: NEURAL_CHECKPOINT_FORMAT, ...(await encodeNeuralCheckpoint(models)), labelWatermark: 0, labelsUsed: 0 },
        metrics: { ...evaluated, 'labels/used': 0 },
        pairs: next.pairs, pendingTarget, activeIds: this.activeIds, labelsWanted: run.labelsWanted, retireStalePairs: false, now,
      });
      if (!result) {
        disposeModels(models);
        return 'lost-race';
      }
      this.resumed = { checkpointId: result.checkpointId, watermark: 0, setupKey, models, collector, pool, poolSeed: seed };
      this.options.log(`trainer run=${run.id} k=${result.iteration} first checkpoint (${run.envId}, neural); ${result.pairsInserted} pairs queued`);
      return 'bootstrapped';
    } catch (error) {
      disposeModels(models);
      throw error;
    }
  }

  /** The in-memory learner if it matches the newest usable checkpoint, else rebuilt from the newest one that loads. */
  private async resume(run: Run, config: RunConfig, algorithm: RunAlgorithm, schedule: NeuralSchedule, setupKey: string, checkpoints: readonly CheckpointMeta[], now: number, slicer: TimeSlicer): Promise<Resumed> {
    const usable = checkpoints.filter((c) => !this.badCheckpoints.has(c.id));
    if (this.resumed && this.resumed.checkpointId === (usable[0]?.id ?? null)) return this.resumed;
    this.forget();
    // The measured demand survives a restart in the metrics: the first iteration after it is not starved.
    const lastDemand = latestMetric(this.db, run.id, 'queue/demand');
    if (this.recentDemand.length === 0 && lastDemand) this.recentDemand.push(lastDemand.value);
    const build = async (iteration: number, checkpointId: number | null, watermark: number, models: NeuralModels): Promise<Resumed> => {
      // The replay did not survive: refill it with the resumed policy before any Q update
      // (at least minReplay transitions, so the next iteration's updates run).
      const { collector, seed } = this.newCollector(run, config, schedule, iteration);
      const steps = Math.max(schedule.run.envStepsPerIter, schedule.run.lowerLevel.minReplay);
      const pool = await this.collect(models, collector, steps, schedule.run.numEnvs, slicer);
      return { checkpointId, watermark, setupKey, models, collector, pool, poolSeed: seed };
    };
    for (const meta of usable) {
      const label = `checkpoint ${meta.id} (iteration ${meta.iteration}) of run ${run.id}`;
      const models = makeNeuralModels(run.envId, algorithm, config, schedule);
      try {
        await loadNeuralCheckpoint(meta.formatVersion, loadCheckpointBlobs(this.db, meta.id), models, label);
        this.resumed = await build(meta.iteration, meta.id, meta.labelWatermark, models);
        this.options.log(`trainer run=${run.id} resumed from ${label}; replay refilled with ${this.resumed.pool.length} env steps of its policy`);
        return this.resumed;
      } catch (error) {
        disposeModels(models);
        if (!(error instanceof CheckpointLoadError)) throw error;
        this.badCheckpoints.add(meta.id);
        const message = `${error.message}; resuming from the previous checkpoint`;
        this.options.log(`trainer run=${run.id} ${message}`);
        recordRunError(this.db, run.id, message, now);
      }
    }
    // Nothing loads: start over from the untrained learner; every label counts as new again.
    const models = makeNeuralModels(run.envId, algorithm, config, schedule);
    try {
      this.resumed = await build(run.iteration, null, 0, models);
    } catch (error) {
      disposeModels(models);
      throw error;
    }
    return this.resumed;
  }

  /**
   * Keeps the queue filled while an iteration computes (seconds, during which annotators go on
   * labeling): at most every QUEUE_CHECK_MS, called from the iteration's yields, it tops the run's
   * queue up to `target` with pairs of the checkpoint the iteration started from, cut from that
   * policy's trajectories (`resumed.pool`, which the iteration does not touch). Uniform choice:
   * the query ensemble is being refitted meanwhile. The pairs are ordinary pairs of checkpoint k
   * (labels on them count for the next iteration; unlabeled ones retire when k+1 commits). A
   * failed top-up (e.g. a busy database) is logged and must not abort the iteration.
   */
  private queueKeeper(run: Run, config: RunConfig, resumed: Resumed, target: number): { check: () => void; inserted: () => number } {
    let inserted = 0, lastCheck = 0, failed = false;
    const checkpointId = resumed.checkpointId;
    const check = () => {
      const now = Date.now();
      if (checkpointId === null || now - lastCheck < QUEUE_CHECK_MS) return;
      lastCheck = now;
      try {
        const needed = target - openPairCount(this.db, run.id, this.activeIds);
        if (needed <= 0) return;
        const env = getEnv(run.envId) as Env<unknown>;
        const rng = makeRng(mixSeed(config.seed, run.id, run.iteration, ++this.topUps, 17));
        const next = nextNeuralPairs(env, resumed.pool, resumed.poolSeed, { ...config, querySelection: 'uniform' }, null, needed, rng);
        inserted += topUpPairs(this.db, {
          runId: run.id, envId: run.envId, checkpointId, iteration: run.iteration,
          pairs: next.pairs, pendingTarget: target, activeIds: this.activeIds, labelsWanted: run.labelsWanted, now,
        });
      } catch (error) {
        if (!failed) this.options.log(`trainer run=${run.id} top-up during the iteration failed (the iteration goes on): ${(error as Error).message}`);
        failed = true;
      }
    };
    return { check, inserted: () => inserted };
  }

  /**
   * 'return/true' and 'return/learned': the mean true and learned (sum of r_x) return of the
   * same evaluation episodes of the policy; not stored when evalEpisodes is 0 (NaN: commitIteration
   * skips non-finite metrics).
   */
  private evaluate(env: Env<unknown>, models: NeuralModels, schedule: NeuralSchedule, config: RunConfig, run: Run, iteration: number): { 'return/true': number; 'return/learned': number } {
    if (schedule.run.evalEpisodes === 0) return { 'return/true': Number.NaN, 'return/learned': Number.NaN };
    const reward = models.upper.rewardModel;
    const { trueReturn, learnedReturn } = evaluateReturns(
      env, models.lower.policy, schedule.run.evalEpisodes, makeRng(mixSeed(config.seed, run.id, iteration, 3)),
      (obs, actions) => reward.predictRewards(obs, actions),
    );
    return { 'return/true': trueReturn, 'return/learned': learnedReturn ?? Number.NaN };
  }

  private async iterate(run: Run, config: RunConfig, schedule: NeuralSchedule, resumed: Resumed, maxLabelId: number, slicer: TimeSlicer): Promise<TickOutcome> {
    const started = performance.now();
    const env = getEnv(run.envId) as Env<unknown>;
    const { models, collector } = resumed;
    const rows = readLabels(this.db, run.id, maxLabelId);
    const consumed = rows.filter((r) => r.labelId > resumed.watermark).length;
    const data = toNeuralLabeledData(run.envId, rows, resumed.checkpointId ?? -1, config.horizon);
    // The learner is mutated from here on: forget it unless the commit succeeds.
    this.resumed = null;
    const keeper = this.queueKeeper(run, config, resumed, this.targetFor(config, run));
    slicer.onYield = keeper.check;
    try {
      const k = run.iteration;
      // The iteration takes seconds and other runs tick meanwhile: say when it starts.
      this.options.log(`trainer run=${run.id} k=${k + 1} computing on ${data.allCount} labels (${consumed} new)`);
      const row: Record<string, number> = {};
      await slicer.pause('read-labels');
      if (data.all) {
        Object.assign(row, await models.upper.update({
          env, all: data.all, fresh: data.fresh ?? emptyLike(data.all), freshPairs: data.freshPairs, policy: models.lower.policy, k,
        }, () => slicer.pause('upper-step')));
      }
      await slicer.pause('upper-level');
      row['loss/td'] = await trainLowerSliced(models.lower, models.upper.rewardModel, makeRng(mixSeed(config.seed, run.id, k + 1, 2)), slicer);
      const learnerSeconds = (performance.now() - started) / 1000;
      // The next clips come from the NEW policy's trajectories, which also join the replay.
      const poolSeed = mixSeed(config.seed, run.id, k + 1, 4);
      const pool = await this.collect(models, collector, schedule.run.envStepsPerIter, schedule.run.numEnvs, slicer);
      Object.assign(row, rewardStats(models.upper, pool, env.observationSize));
      // Demand: the labels' arrival rate times this iteration's duration (the query step and the
      // commit are short next to the learner, hence the slack rather than a second measurement).
      const demand = labelsPerIteration(labelArrival(this.db, run.id, resumed.watermark, maxLabelId), (performance.now() - started) / 1000);
      this.recentDemand.push(demand);
      if (this.recentDemand.length > RECENT_ITERATIONS) this.recentDemand.shift();
      const pendingTarget = this.targetFor(config, run);
      const queryStarted = performance.now();
      const ensemble = this.ensembleFor(run, config, schedule);
      if (ensemble && data.all) await ensemble.fit(data.all, rows.map((r) => r.labelId), schedule.ensembleSteps, makeRng(mixSeed(config.seed, run.id, k + 1, 5)), slicer);
      const next = nextNeuralPairs(env, pool, poolSeed, config, ensemble, pendingTarget, makeRng(mixSeed(config.seed, run.id, k + 1, 0)));
      const querySeconds = (performance.now() - queryStarted) / 1000;
      await slicer.pause('query-selection');
      const evaluated = this.evaluate(env, models, schedule, config, run, k + 1);
      const trueReturn = evaluated['return/true'];
      await slicer.pause('evaluation');
      const blobs = await encodeNeuralCheckpoint(models);
      const seconds = (performance.now() - started) / 1000;
      if (this.options.holdBeforeCommitMs) {
        this.options.log(`trainer run=${run.id} k=${k + 1} computed; committing in ${this.options.holdBeforeCommitMs} ms`);
        await sleep(this.options.holdBeforeCommitMs);
      }
      slicer.onYield = null;
      const result = commitIteration(this.db, {
        runId: run.id, envId: run.envId, expectedIteration: k, advance: true,
        checkpoint: { formatVersion: NEURAL_CHECKPOINT_FORMAT, ...blobs, labelWatermark: maxLabelId, labelsUsed: data.allCount },
        metrics: {
          ...row,
          ...evaluated,
          'labels/used': data.allCount,
          'labels/fresh': data.freshPairs.length,
          'labels/new': consumed,
          'queue/target': pendingTarget,
          'queue/topped_up_during': keeper.inserted(),
          'queue/demand': demand,
          'query/disagreement': next.meanScore,
          'time/learner_s': learnerSeconds,
          'time/query_s': querySeconds,
          'time/iteration_s': seconds,
        },
        pairs: next.pairs, pendingTarget, activeIds: this.activeIds, labelsWanted: run.labelsWanted, retireStalePairs: config.retireStalePairs, now: Date.now(),
      });
      if (!result) {
        this.options.log(`trainer run=${run.id} k=${k + 1} dropped: the run moved on meanwhile (another trainer?)`);
        disposeModels(models);
        return 'lost-race';
      }
      this.resumed = { checkpointId: result.checkpointId, watermark: maxLabelId, setupKey: resumed.setupKey, models, collector, pool, poolSeed };
      this.options.log(
        `trainer run=${run.id} k=${result.iteration} loss=${(row['loss/preference'] ?? Number.NaN).toFixed(4)} labels=${data.allCount} ` +
          `fresh=${data.freshPairs.length} new=${consumed} return=${trueReturn.toFixed(1)} pending=${result.pending} target=${pendingTarget} seconds=${seconds.toFixed(2)} ` +
          `yields=${slicer.yields} longest_slice_ms=${Math.round(slicer.longestSliceMs)} longest_at=${slicer.longestSliceAt || 'start'} topped_up_during=${keeper.inserted()}`,
      );
      return 'iterated';
    } catch (error) {
      disposeModels(models);
      throw error;
    }
  }
}

/** A batch with no pairs (the upper level skips exploration when no label is on-policy). */
function emptyLike(batch: NonNullable<ReturnType<typeof toNeuralLabeledData>['all']>) {
  const none = (b: typeof batch.first) => ({ ...b, count: 0, obs: new Float32Array(0), actions: new Int32Array(0), mask: new Float32Array(0) });
  return { first: none(batch.first), second: none(batch.second), y: new Float32Array(0), count: 0 };
}
