/**
 * The tabular Engine (engine.ts) for runs on envs with an exact transition model (grid5): the
 * learner is x, Q and the optimiser state of the run's algorithm (tabular-engine.ts builds it),
 * kept in memory between iterations and rebuilt from a checkpoint exactly (the exact-resume test
 * checks the rebuilt learner writes byte-identical checkpoints). Nothing here yields: an
 * iteration takes milliseconds.
 */
import { makeRng } from '../core/rng';
import { LearnerStateError, type TabularLearner } from '../algorithms/tabular-learner';
import { trueReturn, type TabularSetup } from '../algorithms/tabular-rlhf';
import type { AlgorithmName } from '../contracts/algorithms';
import { resolveRunConfig } from '../contracts/run-config';
import {
  CheckpointLoadError, TABULAR_CHECKPOINT_FORMAT, decodeVector, encodeVector,
} from '../contracts/tabular-checkpoint';
import type { EncodedCheckpoint, Engine, EngineLabels, EnginePlan, EngineRun, Metrics, Proposal, ProposalRequest, StepContext, StoredCheckpoint } from './engine';
import { makeRunLearner, makeRunSetup, mixSeed, nextPairs, toLabeledData, type LabeledData } from './tabular-engine';
import { CYCLE_SLACK_S, pendingTargetFor } from './queue-target';

export interface TabularPlan extends EnginePlan {
  algorithm: AlgorithmName;
  setup: TabularSetup;
}

type Ctx = StepContext<TabularPlan>;

export class TabularEngine implements Engine<TabularLearner, TabularPlan, LabeledData> {
  readonly kind = 'tabular';
  /** The last iteration's measured duration (s): how long the queue must last between refills. */
  private lastIterationSeconds = 0;

  firstCheckpointNote(): string {
    return '';
  }

  plan(run: EngineRun): TabularPlan {
    const config = resolveRunConfig(run.envId, run.config);
    return {
      config,
      algorithm: run.algorithm as AlgorithmName,
      setup: makeRunSetup(run.envId, config),
      setupKey: `${run.envId}|${run.algorithm}|${config.features}|${config.gamma}|${config.tau}`,
    };
  }

  async prepare(): Promise<void> {}

  /** Sized from the measured label rate, the last iteration's time, overlap and the active annotators (queue-target.ts). */
  async pendingTarget(ctx: Ctx, measured?: { seconds: number }): Promise<number> {
    if (measured) this.lastIterationSeconds = measured.seconds;
    const { config } = ctx.plan, { run } = ctx;
    return pendingTargetFor({
      pendingFactor: config.pendingFactor, labelBatchSize: run.labelBatchSize, labelsWanted: run.labelsWanted,
      labelRate: await ctx.history.labelRate(Date.now()), cycleSeconds: this.lastIterationSeconds + CYCLE_SLACK_S,
      activeAnnotators: ctx.activeIds.length,
    });
  }

  async start(ctx: Ctx): Promise<TabularLearner> {
    return makeRunLearner(ctx.plan.algorithm, ctx.plan.setup, ctx.plan.config, ctx.run.id);
  }

  async restore(ctx: Ctx, stored: StoredCheckpoint | null): Promise<TabularLearner> {
    const { plan, run } = ctx;
    if (!stored) return makeRunLearner(plan.algorithm, plan.setup, plan.config, run.id);
    const { meta, blobs, label } = stored;
    if (meta.formatVersion !== TABULAR_CHECKPOINT_FORMAT) {
      throw new CheckpointLoadError(`${label} is format v${meta.formatVersion}; this build reads v${TABULAR_CHECKPOINT_FORMAT}`);
    }
    const { mdp, n } = plan.setup;
    // The oracle stores the true reward table (S * A values) where learners store x.
    const xLength = plan.algorithm === 'oracle' ? mdp.S * mdp.A : n;
    const x = decodeVector(blobs.rewardModel, xLength, `${label}: reward model`);
    const Q = decodeVector(blobs.policy, mdp.S * mdp.A, `${label}: policy`);
    // Checkpoints from before optimiser state was saved resume with a cold optimiser.
    const state = blobs.optimizerState ? decodeVector(blobs.optimizerState, null, `${label}: optimiser state`) : undefined;
    try {
      return makeRunLearner(plan.algorithm, plan.setup, plan.config, run.id, { x, Q, state });
    } catch (error) {
      if (error instanceof LearnerStateError) throw new CheckpointLoadError(`${label}: ${error.message}`);
      throw error;
    }
  }

  restoredNote(): string | null {
    return null;
  }

  labels(ctx: Ctx, rows: Parameters<Engine<TabularLearner>['labels']>[1], resumedFrom: { checkpointId: number }): EngineLabels<LabeledData> {
    const data = toLabeledData(ctx.plan.setup, rows, resumedFrom.checkpointId);
    return { data, all: data.all.length, fresh: data.fresh.length };
  }

  /** One outer iteration of the algorithm: its upper-level steps on x and, inside, its warm-started lower-level sweeps. */
  async updateReward(ctx: Ctx, learner: TabularLearner, labels: EngineLabels<LabeledData>): Promise<Metrics> {
    return { ...learner.iterate(labels.data.all, labels.data.fresh, ctx.run.iteration) };
  }

  /** Nothing left to do: the tabular algorithms interleave the lower level with the upper one (M-SoBiRL is single-loop). */
  async updatePolicy(): Promise<Metrics> {
    return {};
  }

  /** Clips are sampled from pi when pairs are proposed (the env's exact model: no collection). */
  async gather(): Promise<Metrics> {
    return {};
  }

  async propose(ctx: Ctx, learner: TabularLearner, request: ProposalRequest<LabeledData>): Promise<Proposal> {
    const { run, plan } = ctx;
    // A top-up draws only what is missing: candidates cost ~2 us per env step (contracts/run-budget.ts).
    const count = request.purpose === 'top-up' ? Math.max(0, request.count - request.pending) : request.count;
    const draw = (labeled: LabeledData['all'], ...seedParts: number[]) =>
      nextPairs(plan.setup, learner.pi, learner.x, labeled, plan.config, count, makeRng(mixSeed(plan.config.seed, run.id, ...seedParts)));
    switch (request.purpose) {
      case 'first': return draw([], run.iteration, 0);
      case 'iteration': return draw(request.labels.data.all, run.iteration + 1, 0);
      case 'top-up': {
        const labeled = toLabeledData(plan.setup, await ctx.history.labels(request.resumedFrom.watermark), request.resumedFrom.checkpointId).all;
        return draw(labeled, run.iteration, request.index);
      }
    }
  }

  topUpSource(): null {
    return null;
  }

  evaluate(ctx: Ctx, learner: TabularLearner): Metrics {
    return { 'return/true': trueReturn(ctx.plan.setup, learner.pi) };
  }

  async encodeCheckpoint(learner: TabularLearner): Promise<EncodedCheckpoint> {
    return {
      formatVersion: TABULAR_CHECKPOINT_FORMAT,
      rewardModel: encodeVector(learner.x),
      policy: encodeVector(learner.Q),
      optimizerState: encodeVector(learner.exportState()),
    };
  }

  summary(_ctx: Ctx, _learner: TabularLearner, labels: EngineLabels<LabeledData>, m: Metrics): string {
    return `loss=${m['loss/preference']!.toFixed(4)} labels=${labels.all} fresh=${labels.fresh} return=${m['return/true']!.toFixed(3)} ` +
      `pending=${m['queue/pending']} seconds=${m['time/iteration_s']!.toFixed(3)}`;
  }

  dispose(): void {}

  close(): void {}
}
