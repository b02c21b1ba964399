/**
 * One tabular run's side of the loop. Each `tick`:
 *   resolve the checkpoint to resume (newest that loads; a broken one is reported on the run and
 *   the previous one used) -> if >= label_batch_size new labels, enough of them on the newest
 *   checkpoint's own pairs (store.ts batchReady), or the timeout passed with at least one:
 *   short read of the labels, one outer iteration OUTSIDE any transaction, then ONE IMMEDIATE
 *   transaction with checkpoint + metrics + next pairs + iteration counter;
 *   else, if the queue runs low, top it up from the current policy.
 * The learner stays in memory between iterations; the database is the truth, and after a
 * restart the learner is rebuilt from the newest checkpoint (x, Q and optimiser state).
 */
import type { Db } from '../../db/client';
import type { Run } from '../../db/schema';
import { makeRng } from '../core/rng';
import { LearnerStateError, type TabularLearner } from '../algorithms/tabular-learner';
import { trueReturn, type TabularSetup } from '../algorithms/tabular-rlhf';
import { resolveRunConfig, type RunAlgorithm, type RunConfig } from './run-config';
import {
  CheckpointLoadError, TABULAR_CHECKPOINT_FORMAT, decodeVector, encodeVector,
} from './tabular-checkpoint';
import { makeRunLearner, makeRunSetup, mixSeed, nextPairs, parseAlgorithm, toLabeledData } from './tabular-engine';
import {
  activeAnnotatorIds, batchReady, commitIteration, labelRate, listCheckpoints, loadCheckpointBlobs, newLabelStats, openPairCount, readLabels, retirablePairCount,
  recordRunError, topUpPairs, type CheckpointMeta,
} from './store';
import { CYCLE_SLACK_S, pendingTargetFor } from './queue-target';

export interface DriverOptions {
  log: (line: string) => void;
  /** Test hook: wait this long between computing an iteration and committing it (fault tests). */
  holdBeforeCommitMs?: number;
}

export type TickOutcome = 'bootstrapped' | 'iterated' | 'topped-up' | 'idle' | 'lost-race' | 'blocked';

/** What the loop resumes from: a loaded checkpoint (or none, when every checkpoint was unreadable). */
interface Resumed {
  checkpointId: number | null;
  watermark: number;
  learner: TabularLearner;
  setupKey: string;
  setup: TabularSetup;
}

/** The queue the driver keeps: its target (pairs) and the annotators the supply is counted for. */
interface QueueSpec {
  pendingTarget: number;
  activeIds: readonly number[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TabularRunDriver {
  private resumed: Resumed | null = null;
  private readonly badCheckpoints = new Set<number>();
  private topUps = 0;
  private lastConfigError: string | null = null;
  /** The last iteration's measured duration (s): how long the queue must last between refills. */
  private lastIterationSeconds = 0;

  constructor(
    private readonly db: Db,
    readonly runId: number,
    private readonly options: DriverOptions,
  ) {}

  async tick(run: Run, now: number): Promise<TickOutcome> {
    let config: RunConfig;
    let algorithm: RunAlgorithm;
    try {
      config = resolveRunConfig(run.envId, run.config);
      algorithm = parseAlgorithm(run.algorithm);
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastConfigError) {
        this.lastConfigError = message;
        this.options.log(`trainer run=${run.id} cannot train: ${message}`);
        recordRunError(this.db, run.id, message, now);
      }
      return 'blocked';
    }
    const setup = makeRunSetup(run.envId, config);
    const setupKey = `${run.envId}|${run.algorithm}|${config.features}|${config.gamma}|${config.tau}`;
    const checkpoints = listCheckpoints(this.db, run.id);
    // Sized from the measured label rate, the iteration time, overlap and the active annotators (queue-target.ts).
    const activeIds = activeAnnotatorIds(this.db, run.id, now);
    const pendingTarget = pendingTargetFor({
      pendingFactor: config.pendingFactor, labelBatchSize: run.labelBatchSize, labelsWanted: run.labelsWanted,
      labelRate: labelRate(this.db, run.id, now), cycleSeconds: this.lastIterationSeconds + CYCLE_SLACK_S, activeAnnotators: activeIds.length,
    });
    const queue = { pendingTarget, activeIds };

    if (checkpoints.length === 0) return this.bootstrap(run, config, algorithm, setup, setupKey, queue, now);

    const resumed = this.resume(run, config, algorithm, setup, setupKey, checkpoints, now);
    const stats = newLabelStats(this.db, run.id, resumed.watermark);
    const timedOut = stats.count > 0 && stats.oldestAt !== null && now - stats.oldestAt >= config.iterationTimeoutMs;
    const current = checkpoints.find((c) => c.id === resumed.checkpointId);
    const isNewest = current !== undefined && current.iteration === run.iteration;
    if (batchReady(this.db, run, stats.count, isNewest ? resumed.checkpointId : null, resumed.watermark, activeIds) || timedOut) {
      return this.iterate(run, config, resumed, stats.maxId, queue, now);
    }
    const open = resumed.checkpointId !== null ? openPairCount(this.db, run.id, activeIds) : pendingTarget;
    if (resumed.checkpointId !== null && open < pendingTarget) {
      if (!isNewest) return 'idle'; // a fallback checkpoint: wait for the next iteration
      const labeled = toLabeledData(setup, readLabels(this.db, run.id, resumed.watermark), resumed.checkpointId).all;
      const rng = makeRng(mixSeed(config.seed, run.id, run.iteration, ++this.topUps));
      // Only what is missing: candidates cost ~2 us per env step (run-budget.ts).
      const next = nextPairs(setup, resumed.learner.pi, resumed.learner.x, labeled, config, pendingTarget - open, rng);
      const inserted = topUpPairs(this.db, {
        runId: run.id, envId: run.envId, checkpointId: resumed.checkpointId, iteration: run.iteration,
        pairs: next.pairs, ...queue, labelsWanted: run.labelsWanted, now,
      });
      return inserted > 0 ? 'topped-up' : 'idle';
    }
    return 'idle';
  }

  /** The run's first checkpoint (the untrained learner) and its first pairs. */
  private bootstrap(run: Run, config: RunConfig, algorithm: RunAlgorithm, setup: TabularSetup, setupKey: string, queue: QueueSpec, now: number): TickOutcome {
    const learner = makeRunLearner(algorithm, setup, config, run.id);
    const next = nextPairs(setup, learner.pi, learner.x, [], config, queue.pendingTarget, makeRng(mixSeed(config.seed, run.id, run.iteration, 0)));
    const result = commitIteration(this.db, {
      runId: run.id, envId: run.envId, expectedIteration: run.iteration, advance: false,
      checkpoint: this.checkpointSpec(learner, 0, 0),
      metrics: { 'return/true': trueReturn(setup, learner.pi), 'labels/used': 0 },
      pairs: next.pairs, ...queue, labelsWanted: run.labelsWanted, retireStalePairs: false, now,
    });
    if (!result) return 'lost-race';
    this.resumed = { checkpointId: result.checkpointId, watermark: 0, learner, setupKey, setup };
    this.options.log(`trainer run=${run.id} k=${result.iteration} first checkpoint; ${result.pairsInserted} pairs queued`);
    return 'bootstrapped';
  }

  /** The in-memory learner if it matches the newest checkpoint, else rebuilt from the newest one that loads. */
  private resume(run: Run, config: RunConfig, algorithm: RunAlgorithm, setup: TabularSetup, setupKey: string, checkpoints: readonly CheckpointMeta[], now: number): Resumed {
    const usable = checkpoints.filter((c) => !this.badCheckpoints.has(c.id));
    if (this.resumed && this.resumed.setupKey === setupKey && this.resumed.checkpointId === (usable[0]?.id ?? null)) return this.resumed;
    for (const meta of usable) {
      const label = `checkpoint ${meta.id} (iteration ${meta.iteration}) of run ${run.id}`;
      try {
        if (meta.formatVersion !== TABULAR_CHECKPOINT_FORMAT) {
          throw new CheckpointLoadError(`${label} is format v${meta.formatVersion}; this build reads v${TABULAR_CHECKPOINT_FORMAT}`);
        }
        const blobs = loadCheckpointBlobs(this.db, meta.id);
        // The oracle stores the true reward table (S * A values) where learners store x.
        const xLength = algorithm === 'oracle' ? setup.mdp.S * setup.mdp.A : setup.n;
        const x = decodeVector(blobs.rewardModel, xLength, `${label}: reward model`);
        const Q = decodeVector(blobs.policy, setup.mdp.S * setup.mdp.A, `${label}: policy`);
        // Checkpoints from before optimiser state was saved resume with a cold optimiser.
        const state = blobs.optimizerState ? decodeVector(blobs.optimizerState, null, `${label}: optimiser state`) : undefined;
        let learner: TabularLearner;
        try {
          learner = makeRunLearner(algorithm, setup, config, run.id, { x, Q, state });
        } catch (error) {
          if (error instanceof LearnerStateError) throw new CheckpointLoadError(`${label}: ${error.message}`);
          throw error;
        }
        this.resumed = { checkpointId: meta.id, watermark: meta.labelWatermark, learner, setupKey, setup };
        return this.resumed;
      } catch (error) {
        if (!(error instanceof CheckpointLoadError)) throw error;
        this.badCheckpoints.add(meta.id);
        const message = `${error.message}; resuming from the previous checkpoint`;
        this.options.log(`trainer run=${run.id} ${message}`);
        recordRunError(this.db, run.id, message, now);
      }
    }
    // Nothing loads: start over from the untrained learner; every label counts as new again.
    this.resumed = { checkpointId: null, watermark: 0, learner: makeRunLearner(algorithm, setup, config, run.id), setupKey, setup };
    return this.resumed;
  }

  private async iterate(run: Run, config: RunConfig, resumed: Resumed, maxLabelId: number, queue: QueueSpec, now: number): Promise<TickOutcome> {
    const { pendingTarget } = queue;
    const started = performance.now();
    const { setup, learner } = resumed;
    const rows = readLabels(this.db, run.id, maxLabelId);
    const data = toLabeledData(setup, rows, resumed.checkpointId ?? -1);
    // The learner is mutated from here on: forget it unless the commit succeeds.
    this.resumed = null;
    const m = learner.iterate(data.all, data.fresh, run.iteration);
    // Pairs the commit will need: the target less what stays open after the stale ones retire.
    const open = openPairCount(this.db, run.id, queue.activeIds);
    const kept = open - (config.retireStalePairs ? retirablePairCount(this.db, run.id, now) : 0);
    const wanted = Math.max(0, pendingTarget - kept);
    const next = nextPairs(setup, learner.pi, learner.x, data.all, config, wanted, makeRng(mixSeed(config.seed, run.id, run.iteration + 1, 0)));
    const seconds = (performance.now() - started) / 1000;
    this.lastIterationSeconds = seconds;
    if (this.options.holdBeforeCommitMs) {
      this.options.log(`trainer run=${run.id} k=${run.iteration + 1} computed; committing in ${this.options.holdBeforeCommitMs} ms`);
      await sleep(this.options.holdBeforeCommitMs);
    }
    const result = commitIteration(this.db, {
      runId: run.id, envId: run.envId, expectedIteration: run.iteration, advance: true,
      checkpoint: this.checkpointSpec(learner, maxLabelId, data.all.length),
      metrics: {
        ...m,
        'return/true': trueReturn(setup, learner.pi),
        'labels/used': data.all.length,
        'labels/fresh': data.fresh.length,
        'query/disagreement': next.meanScore,
        'time/iteration_s': seconds,
        'queue/target': pendingTarget,
        'queue/active_annotators': queue.activeIds.length,
      },
      pairs: next.pairs, ...queue, labelsWanted: run.labelsWanted, retireStalePairs: config.retireStalePairs, now: Date.now(),
    });
    if (!result) {
      this.options.log(`trainer run=${run.id} k=${run.iteration + 1} dropped: the run moved on meanwhile (another trainer?)`);
      return 'lost-race';
    }
    this.resumed = { checkpointId: result.checkpointId, watermark: maxLabelId, learner, setupKey: resumed.setupKey, setup };
    this.options.log(
      `trainer run=${run.id} k=${result.iteration} loss=${m['loss/preference'].toFixed(4)} labels=${data.all.length} ` +
        `fresh=${data.fresh.length} return=${trueReturn(setup, learner.pi).toFixed(3)} pending=${result.pending} seconds=${seconds.toFixed(3)}`,
    );
    return 'iterated';
  }

  private checkpointSpec(learner: TabularLearner, labelWatermark: number, labelsUsed: number) {
    return {
      formatVersion: TABULAR_CHECKPOINT_FORMAT,
      rewardModel: encodeVector(learner.x),
      policy: encodeVector(learner.Q),
      optimizerState: encodeVector(learner.exportState()),
      labelWatermark,
      labelsUsed,
    };
  }
}
