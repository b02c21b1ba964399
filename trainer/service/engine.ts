/**
 * The Engine interface: what the one run driver (run-driver.ts) and `simulate()`
 * (trainer/simulate/simulate.ts) ask of a learner family, through the same methods. Two
 * implementations: TabularEngine (tabular-run.ts: exact soft value iteration on an env with a
 * transition model) and NeuralEngine (neural-run.ts: tfjs reward model + soft Q-learning).
 * `engineKindForEnv` below says which env gets which. How to add a third: trainer/README.md.
 *
 * An engine holds what belongs to its run beyond one checkpoint (the neural query ensemble and
 * the measured label demand); the learner `L` is one checkpoint's models, which the driver keeps
 * in memory between iterations and drops when the commit is lost. Engines never touch the
 * database: the driver reads and commits (store.ts), and hands engines a `RunHistory` to read
 * what they need of the run's past (a simulation hands them one kept in memory).
 *
 * One outer iteration, as the driver calls it (the order of imitation's preference-comparisons
 * loop; gathering the pairs for the NEXT iteration's labels closes it):
 *   labels -> updateReward (upper level) -> updatePolicy (lower level) -> gather (clips from the
 *   new policy) -> propose (the next pairs) -> evaluate -> encodeCheckpoint -> commit.
 */
import type { Run } from '../../db/schema';
import { isContinuousEnvId, isTabularEnv } from '../contracts/algorithms';
import type { RunConfig } from '../contracts/run-config';
import type { CheckpointMeta, CheckpointSpec, LabelRow, PairSpec } from './store';
import type { TimeSlicer } from './time-slicer';

/**
 * The columns of a run an engine reads: the driver hands it the run's row, `simulate()` an
 * in-memory run with no row behind it (trainer/simulate/in-memory-run.ts).
 */
export type EngineRun = Pick<Run, 'id' | 'envId' | 'algorithm' | 'config' | 'iteration' | 'labelBatchSize' | 'labelsWanted'>;

/** The learner families; `engineKindForEnv` says which one trains an env. */
export type EngineKind = 'tabular' | 'neural' | 'continuous';

/**
 * The one place an env gets its engine: the tabular one on envs with an exact transition model,
 * the continuous one (SAC below) on continuous-action envs, the neural one elsewhere. The service (engines.ts) and simulate (simulate/load-engine.ts) each
 * build the engine of this kind, from a map TypeScript checks covers every kind.
 */
export function engineKindForEnv(envId: string): EngineKind {
  return isTabularEnv(envId) ? 'tabular' : isContinuousEnvId(envId) ? 'continuous' : 'neural';
}

/** A run's settings as one engine reads them; `setupKey` changes when a change needs new models. */
export interface EnginePlan {
  config: RunConfig;
  setupKey: string;
}

/** What an engine may read of its run's past (the driver implements it over store.ts). */
export interface RunHistory {
  /** Usable labels of the run with id <= upToId, oldest first, with their clips. */
  labels(upToId: number): Promise<LabelRow[]>;
  /** The newest value of a metric, if any. */
  latestMetric(name: string): Promise<number | undefined>;
  /** How many labels with id in (afterId, upToId] arrived, over what span of submission times. */
  labelArrival(afterId: number, upToId: number): Promise<{ count: number; spanMs: number }>;
  /** Pairs of the run still waiting for labels. */
  pendingPairs(): Promise<number>;
  /** Labels per second on the run over a recent window (store.ts labelRate). */
  labelRate(now: number): Promise<number>;
}

/** Everything a step of one tick may need: the run row, its plan, the yield point, the log. */
export interface StepContext<P extends EnginePlan> {
  run: EngineRun;
  plan: P;
  slicer: TimeSlicer;
  history: RunHistory;
  log: (line: string) => void;
  /** Annotators who labeled or held a lease on the run recently (store.ts activeAnnotatorIds): they size the queue. */
  activeIds: readonly number[];
}

/** A stored checkpoint handed to `restore`. */
export interface StoredCheckpoint {
  meta: CheckpointMeta;
  blobs: { rewardModel: Uint8Array | null; policy: Uint8Array | null; optimizerState: Uint8Array | null };
  /** How errors name it: "checkpoint 12 (iteration 4) of run 3". */
  label: string;
}

/** Labels of the run as the engine's learner takes them. */
export interface EngineLabels<D> {
  data: D;
  /** Labels used (every one so far). */
  all: number;
  /** On-policy labels: on pairs drawn by the checkpoint the learner resumed from. */
  fresh: number;
}

export interface Proposal {
  /** Best first. */
  pairs: PairSpec[];
  /** Mean disagreement of the chosen pairs (0 under uniform selection). */
  meanScore: number;
}

/** The checkpoint columns an engine fills; the driver adds the label watermark and count. */
export type EncodedCheckpoint = Omit<CheckpointSpec, 'labelWatermark' | 'labelsUsed'>;

export type Metrics = Record<string, number>;

export interface Engine<L, P extends EnginePlan = EnginePlan, D = unknown> {
  /** Named in log lines ('tabular', 'neural'). */
  readonly kind: string;
  /** Words after "first checkpoint" in the log (e.g. " (cartpole, neural)"). */
  firstCheckpointNote(run: EngineRun): string;

  /** The run's settings for this engine; throws (in words) on a config it cannot train. */
  plan(run: EngineRun): P;
  /** Once per tick before any model work (the neural engine picks its tfjs backend). */
  prepare(): Promise<void>;
  /** Pairs to keep pending; `measured` = the iteration in flight, whose label demand it may record. */
  pendingTarget(ctx: StepContext<P>, measured?: { watermark: number; maxLabelId: number; seconds: number }): Promise<number>;

  /** The untrained learner whose policy gives the run's first pairs. */
  start(ctx: StepContext<P>): Promise<L>;
  /**
   * A learner from a stored checkpoint, or the untrained one (null: none loads) as resumed at
   * `iteration`. Throws a CheckpointLoadError (contracts/tabular-checkpoint.ts) for a blob that
   * does not load, having released what it built.
   */
  restore(ctx: StepContext<P>, stored: StoredCheckpoint | null, iteration: number): Promise<L>;
  /** A line for the log after a successful restore, or null. */
  restoredNote(learner: L, stored: StoredCheckpoint): string | null;

  /**
   * Stored labels as the learner takes them: on-policy = on pairs of `resumedFrom.checkpointId`
   * (-1: none); new = above `resumedFrom.watermark`.
   */
  labels(ctx: StepContext<P>, rows: readonly LabelRow[], resumedFrom: { checkpointId: number; watermark: number }): EngineLabels<D>;
  /** Upper level: the run's algorithm moves the reward parameters x on the labels (pi_k fixed). */
  updateReward(ctx: StepContext<P>, learner: L, labels: EngineLabels<D>): Promise<Metrics>;
  /** Lower level: the policy follows the new reward (warm-started). */
  updatePolicy(ctx: StepContext<P>, learner: L): Promise<Metrics>;
  /** Clips from the learner's current policy, where the next pairs are cut from. */
  gather(ctx: StepContext<P>, learner: L): Promise<Metrics>;
  /**
   * The next `count` pairs from the current policy. `purpose`: the run's first pairs, the
   * iteration's pairs (after `gather`, with the labels so far), or a top-up between iterations
   * (`index` counts the run's top-ups, seeding each one).
   */
  propose(ctx: StepContext<P>, learner: L, request: ProposalRequest<D>): Promise<Proposal & { metrics?: Metrics }>;
  /**
   * Pairs for top-ups DURING an iteration (while it computes, annotators go on labeling): a
   * function drawing `count` pairs from the policy the iteration started from, bound before the
   * iteration changes the learner; null when the engine never yields mid-iteration.
   */
  topUpSource(ctx: StepContext<P>, learner: L): ((count: number, index: number) => PairSpec[]) | null;
  /**
   * Metrics of the current policy ('return/true', the curve `simulate` draws, ...): NaN ones are
   * not stored. `final`: the last point of a simulation (an engine whose evaluation is sampled may
   * spend more episodes on it); the service never sets it.
   */
  evaluate(ctx: StepContext<P>, learner: L, iteration: number, final?: boolean): Metrics;
  /** The checkpoint's blobs: reward model, policy and (where the engine has it) optimiser state. */
  encodeCheckpoint(learner: L): Promise<EncodedCheckpoint>;
  /** The log line's engine-specific part after an iteration committed. */
  summary(ctx: StepContext<P>, learner: L, labels: EngineLabels<D>, metrics: Metrics): string;

  /** Releases one learner's resources (tfjs models). */
  dispose(learner: L): void;
  /** Releases the engine's own resources (the run stopped). */
  close(): void;
}

export type ProposalRequest<D> =
  | { purpose: 'first'; count: number }
  | { purpose: 'iteration'; count: number; labels: EngineLabels<D> }
  | { purpose: 'top-up'; count: number; pending: number; index: number; resumedFrom: { checkpointId: number; watermark: number } };
