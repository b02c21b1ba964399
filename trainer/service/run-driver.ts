/**
 * The one run driver: one run's side of the loop, over any Engine (engine.ts). Each `tick`:
 *   check the config (the algorithm registry and the engine's plan; a bad one blocks the run
 *   with its reason) -> resolve the checkpoint to resume (the newest that loads; a broken one
 *   is reported on the run and the previous one used; one written for an older observation of
 *   the env stops the run with that reason) -> if >= label_batch_size new labels,
 *   enough of them on the newest checkpoint's own pairs (store.ts batchReady), or the timeout
 *   passed with at least one: short read of the labels, one outer iteration OUTSIDE any
 *   transaction, then ONE IMMEDIATE transaction with checkpoint + metrics + next pairs +
 *   iteration counter (dropped when another trainer committed first); else, if the queue runs
 *   low, top it up from the current policy.
 * The learner stays in memory between iterations; the database is the truth, and after a
 * restart the learner is rebuilt from the newest checkpoint. See trainer/service/README.md.
 */
import type { Db } from '../../db/client';
import type { Run } from '../../db/schema';
import { assertSupported } from '../contracts/algorithms';
import { CheckpointLoadError, CheckpointOutdatedError } from '../contracts/tabular-checkpoint';
import type { Engine, EngineLabels, EnginePlan, Metrics, RunHistory, StepContext, StoredCheckpoint } from './engine';
import {
  activeAnnotatorIds, batchReady, commitIteration, labelArrival, labelRate, latestMetric, listCheckpoints, loadCheckpointBlobs,
  newLabelStats, openPairCount, pendingPairCount, readLabels, recordRunError, retirablePairCount, stopRunWithError, topUpPairs, type CheckpointMeta,
  type CommitResult,
} from './store';
import { DEFAULT_SLICE_MS, TimeSlicer } from './time-slicer';
import type { LeaseToken } from '../../db/run-leases';

export interface DriverOptions {
  log: (line: string) => void;
  /** Test hook: wait this long between computing an iteration and committing it (fault tests). */
  holdBeforeCommitMs?: number;
  /** Longest stretch of compute between two yields to the event loop (ms; Infinity = never yield). */
  sliceMs?: number;
}

/** 'stopped': the run cannot go on (its checkpoints were written for an older observation of its env) and was stopped with the reason. */
export type TickOutcome = 'bootstrapped' | 'iterated' | 'topped-up' | 'idle' | 'lost-race' | 'blocked' | 'stopped';

/** What the loop resumes from: a loaded checkpoint (or none, when every checkpoint was unreadable). */
interface Resumed<L> {
  checkpointId: number | null;
  watermark: number;
  setupKey: string;
  learner: L;
}

/** How often an iteration in flight checks its run's queue (see `queueKeeper`). */
const QUEUE_CHECK_MS = 250;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RunDriver<L, P extends EnginePlan = EnginePlan, D = unknown> {
  private resumed: Resumed<L> | null = null;
  private readonly badCheckpoints = new Set<number>();
  private topUps = 0;
  private lastConfigError: string | null = null;
  private readonly history: RunHistory;
  /** The run lease of the tick in progress (db/run-leases.ts): every commit of it checks it. */
  private lease: LeaseToken | undefined;

  constructor(
    private readonly db: Db,
    readonly runId: number,
    readonly engine: Engine<L, P, D>,
    private readonly options: DriverOptions,
  ) {
    this.history = {
      labels: (upToId) => readLabels(db, runId, upToId),
      latestMetric: async (name) => (await latestMetric(db, runId, name))?.value,
      labelArrival: (afterId, upToId) => labelArrival(db, runId, afterId, upToId),
      pendingPairs: () => pendingPairCount(db, runId),
      labelRate: (now) => labelRate(db, runId, now),
    };
  }

  /** Test hook: the in-memory learner of the newest committed checkpoint (null before the first tick). */
  currentLearner(): L | null {
    return this.resumed?.learner ?? null;
  }

  /**
   * One tick of the run. `lease`: the run lease its trainer holds (trainer-service.ts); each
   * commit of this tick is refused unless the run's lease row still has it (omitted: no check).
   */
  async tick(run: Run, now: number, lease?: LeaseToken): Promise<TickOutcome> {
    this.lease = lease;
    let plan: P;
    try {
      assertSupported(run.algorithm, run.envId, 'service');
      plan = this.engine.plan(run);
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastConfigError) {
        this.lastConfigError = message;
        this.options.log(`trainer run=${run.id} cannot train: ${message}`);
        await recordRunError(this.db, run.id, message, now);
      }
      return 'blocked';
    }
    await this.engine.prepare();
    const ctx: StepContext<P> = {
      run, plan, slicer: new TimeSlicer(this.options.sliceMs ?? DEFAULT_SLICE_MS), history: this.history, log: this.options.log,
      activeIds: await activeAnnotatorIds(this.db, run.id, now),
    };
    if (this.resumed && this.resumed.setupKey !== plan.setupKey) this.forget();
    const checkpoints = await listCheckpoints(this.db, run.id);
    const pendingTarget = await this.engine.pendingTarget(ctx);

    if (checkpoints.length === 0) return this.bootstrap(ctx, pendingTarget, now);

    let resumed: Resumed<L>;
    try {
      resumed = await this.resume(ctx, checkpoints, now);
    } catch (error) {
      if (!(error instanceof CheckpointOutdatedError)) throw error;
      // Retrying cannot help (every checkpoint of the run has the old width): stop, with the reason on the run.
      this.options.log(`trainer run=${run.id} stopped: ${error.message}`);
      await stopRunWithError(this.db, run.id, error.message, now);
      return 'stopped';
    }
    const stats = await newLabelStats(this.db, run.id, resumed.watermark);
    const timedOut = stats.count > 0 && stats.oldestAt !== null && now - stats.oldestAt >= plan.config.iterationTimeoutMs;
    const current = checkpoints.find((c) => c.id === resumed.checkpointId);
    const isNewest = current !== undefined && current.iteration === run.iteration;
    if ((await batchReady(this.db, run, stats.count, isNewest ? resumed.checkpointId : null, resumed.watermark, ctx.activeIds)) || timedOut) {
      return this.iterate(ctx, resumed, stats.maxId);
    }
    // Supply: pending pairs that some active annotator can still label (store.ts openPairCount).
    const pending = await openPairCount(this.db, run.id, ctx.activeIds);
    if (resumed.checkpointId !== null && pending < pendingTarget) {
      if (!isNewest) return 'idle'; // a fallback checkpoint: wait for the next iteration
      const next = await this.engine.propose(ctx, resumed.learner, {
        purpose: 'top-up', count: pendingTarget, pending, index: ++this.topUps,
        resumedFrom: { checkpointId: resumed.checkpointId, watermark: resumed.watermark },
      });
      const inserted = await topUpPairs(this.db, {
        runId: run.id, envId: run.envId, checkpointId: resumed.checkpointId, iteration: run.iteration,
        pairs: next.pairs, pendingTarget, activeIds: ctx.activeIds, labelsWanted: run.labelsWanted, now, lease: this.lease,
      });
      return inserted > 0 ? 'topped-up' : 'idle';
    }
    return 'idle';
  }

  /** Releases the learner and the engine's own resources (a run that stopped, or the service stopping). */
  dispose(): void {
    this.forget();
    this.engine.close();
  }

  private forget(): void {
    if (this.resumed) this.engine.dispose(this.resumed.learner);
    this.resumed = null;
  }

  /** The run's first checkpoint (the untrained learner) and its first pairs. */
  private async bootstrap(ctx: StepContext<P>, pendingTarget: number, now: number): Promise<TickOutcome> {
    const { run } = ctx;
    this.forget();
    const learner = await this.engine.start(ctx);
    try {
      const next = await this.engine.propose(ctx, learner, { purpose: 'first', count: pendingTarget });
      const evaluated = this.engine.evaluate(ctx, learner, run.iteration);
      const result = await commitIteration(this.db, {
        runId: run.id, envId: run.envId, expectedIteration: run.iteration, advance: false,
        checkpoint: { ...(await this.engine.encodeCheckpoint(learner)), labelWatermark: 0, labelsUsed: 0 },
        metrics: { ...evaluated, 'labels/used': 0 },
        pairs: next.pairs, pendingTarget, activeIds: ctx.activeIds, labelsWanted: run.labelsWanted, retireStalePairs: false, now, lease: this.lease,
      });
      if (!result) {
        this.engine.dispose(learner);
        return 'lost-race';
      }
      this.resumed = { checkpointId: result.checkpointId, watermark: 0, setupKey: ctx.plan.setupKey, learner };
      this.options.log(`trainer run=${run.id} k=${result.iteration} first checkpoint${this.engine.firstCheckpointNote(run)}; ${result.pairsInserted} pairs queued`);
      return 'bootstrapped';
    } catch (error) {
      this.engine.dispose(learner);
      throw error;
    }
  }

  /** The in-memory learner if it matches the newest usable checkpoint, else rebuilt from the newest one that loads. */
  private async resume(ctx: StepContext<P>, checkpoints: readonly CheckpointMeta[], now: number): Promise<Resumed<L>> {
    const { run, plan } = ctx;
    const usable = checkpoints.filter((c) => !this.badCheckpoints.has(c.id));
    if (this.resumed && this.resumed.checkpointId === (usable[0]?.id ?? null)) return this.resumed;
    this.forget();
    for (const meta of usable) {
      const stored: StoredCheckpoint = {
        meta, blobs: await loadCheckpointBlobs(this.db, meta.id), label: `checkpoint ${meta.id} (iteration ${meta.iteration}) of run ${run.id}`,
      };
      try {
        const learner = await this.engine.restore(ctx, stored, meta.iteration);
        this.resumed = { checkpointId: meta.id, watermark: meta.labelWatermark, setupKey: plan.setupKey, learner };
        const note = this.engine.restoredNote(learner, stored);
        if (note) this.options.log(`trainer run=${run.id} ${note}`);
        return this.resumed;
      } catch (error) {
        if (error instanceof CheckpointOutdatedError || !(error instanceof CheckpointLoadError)) throw error;
        this.badCheckpoints.add(meta.id);
        const message = `${error.message}; resuming from the previous checkpoint`;
        this.options.log(`trainer run=${run.id} ${message}`);
        await recordRunError(this.db, run.id, message, now);
      }
    }
    // Nothing loads: start over from the untrained learner; every label counts as new again.
    this.resumed = { checkpointId: null, watermark: 0, setupKey: plan.setupKey, learner: await this.engine.restore(ctx, null, run.iteration) };
    return this.resumed;
  }

  /**
   * Keeps the queue filled while an iteration computes (seconds, during which annotators go on
   * labeling): at most every QUEUE_CHECK_MS, called from the iteration's yields, it tops the run's
   * queue up to `target` with pairs of the checkpoint the iteration started from (the engine's
   * `topUpSource`, bound before the iteration changes the learner). They are ordinary pairs of
   * checkpoint k (labels on them count for the next iteration; unlabeled ones retire when k+1
   * commits). A failed top-up (e.g. a busy database) is logged and must not abort the iteration.
   */
  private queueKeeper(ctx: StepContext<P>, resumed: Resumed<L>, target: number): { check: () => Promise<void> | void; inserted: () => number } | null {
    const { run } = ctx;
    const source = this.engine.topUpSource(ctx, resumed.learner);
    const checkpointId = resumed.checkpointId;
    if (!source || checkpointId === null) return source ? { check: () => {}, inserted: () => 0 } : null;
    let inserted = 0, lastCheck = 0, failed = false;
    const check = async () => {
      const now = Date.now();
      if (now - lastCheck < QUEUE_CHECK_MS) return;
      lastCheck = now;
      try {
        const needed = target - (await openPairCount(this.db, run.id, ctx.activeIds));
        if (needed <= 0) return;
        inserted += await topUpPairs(this.db, {
          runId: run.id, envId: run.envId, checkpointId, iteration: run.iteration,
          pairs: source(needed, ++this.topUps), pendingTarget: target, activeIds: ctx.activeIds, labelsWanted: run.labelsWanted, now, lease: this.lease,
        });
      } catch (error) {
        if (!failed) this.options.log(`trainer run=${run.id} top-up during the iteration failed (the iteration goes on): ${(error as Error).message}`);
        failed = true;
      }
    };
    return { check, inserted: () => inserted };
  }

  /**
   * One outer iteration: labels -> reward (upper level) -> policy (lower level) -> gather clips
   * from the new policy -> propose the next pairs -> evaluate -> encode -> commit.
   */
  private async iterate(ctx: StepContext<P>, resumed: Resumed<L>, maxLabelId: number): Promise<TickOutcome> {
    const { run, slicer } = ctx;
    const started = performance.now();
    const { learner } = resumed;
    const rows = await readLabels(this.db, run.id, maxLabelId);
    const labels: EngineLabels<D> = this.engine.labels(ctx, rows, { checkpointId: resumed.checkpointId ?? -1, watermark: resumed.watermark });
    // The learner is mutated from here on: forget it unless the commit succeeds.
    this.resumed = null;
    const keeper = this.queueKeeper(ctx, resumed, await this.engine.pendingTarget(ctx));
    slicer.onYield = keeper?.check ?? null;
    try {
      const metrics: Metrics = {};
      Object.assign(metrics, await this.engine.updateReward(ctx, learner, labels));
      Object.assign(metrics, await this.engine.updatePolicy(ctx, learner));
      Object.assign(metrics, await this.engine.gather(ctx, learner));
      const pendingTarget = await this.engine.pendingTarget(ctx, { watermark: resumed.watermark, maxLabelId, seconds: (performance.now() - started) / 1000 });
      // Only the pairs the commit will need: the target less what stays open once the stale ones
      // retire (the whole target's candidates at once took a trainer to 4.3 GB, contracts/run-budget.ts).
      const open = await openPairCount(this.db, run.id, ctx.activeIds);
      const kept = open - (ctx.plan.config.retireStalePairs ? await retirablePairCount(this.db, run.id, Date.now()) : 0);
      const next = await this.engine.propose(ctx, learner, { purpose: 'iteration', count: Math.max(0, pendingTarget - kept), labels });
      Object.assign(metrics, next.metrics, this.engine.evaluate(ctx, learner, run.iteration + 1));
      // Engines that yield mid-iteration (those with in-flight top-ups) yield here too; a tabular
      // iteration is milliseconds, and a yield here let annotators spend its old pairs first (the
      // grid5 closed-loop test took ~2x longer).
      if (keeper) await slicer.pause('evaluation');
      const checkpoint = await this.engine.encodeCheckpoint(learner);
      const seconds = (performance.now() - started) / 1000;
      if (this.options.holdBeforeCommitMs) {
        this.options.log(`trainer run=${run.id} k=${run.iteration + 1} computed; committing in ${this.options.holdBeforeCommitMs} ms`);
        await sleep(this.options.holdBeforeCommitMs);
      }
      slicer.onYield = null;
      Object.assign(metrics, {
        'labels/used': labels.all,
        'labels/fresh': labels.fresh,
        ...(keeper ? { 'queue/topped_up_during': keeper.inserted() } : {}),
        'query/disagreement': next.meanScore,
        'time/iteration_s': seconds,
        'queue/target': pendingTarget,
        'queue/active_annotators': ctx.activeIds.length,
      });
      const result = await commitIteration(this.db, {
        runId: run.id, envId: run.envId, expectedIteration: run.iteration, advance: true,
        checkpoint: { ...checkpoint, labelWatermark: maxLabelId, labelsUsed: labels.all },
        metrics,
        pairs: next.pairs, pendingTarget, activeIds: ctx.activeIds, labelsWanted: run.labelsWanted, retireStalePairs: ctx.plan.config.retireStalePairs, now: Date.now(),
        lease: this.lease,
      });
      if (!result) {
        this.options.log(`trainer run=${run.id} k=${run.iteration + 1} dropped: the run moved on meanwhile, or this trainer lost its lease on it (another trainer took it over)`);
        this.engine.dispose(learner);
        return 'lost-race';
      }
      this.resumed = { checkpointId: result.checkpointId, watermark: maxLabelId, setupKey: resumed.setupKey, learner };
      this.options.log(`trainer run=${run.id} k=${result.iteration} ${this.logLine(ctx, learner, labels, metrics, result, pendingTarget, seconds)}`);
      return 'iterated';
    } catch (error) {
      slicer.onYield = null;
      this.engine.dispose(learner);
      throw error;
    }
  }

  private logLine(ctx: StepContext<P>, learner: L, labels: EngineLabels<D>, metrics: Metrics, result: CommitResult, target: number, seconds: number): string {
    return this.engine.summary(ctx, learner, labels, { ...metrics, 'queue/pending': result.pending, 'queue/target': target, 'time/iteration_s': seconds });
  }
}
