/**
 * The continuous Engine (engine.ts) for runs on continuous-action envs (pendulum, ...): the
 * learner is trainer/algorithms/continuous/learner.ts (the run's upper level over r_x(s, a),
 * SAC below it, the collector and the newest transitions, where clips are cut from). One outer
 * iteration, as the neural engine's:
 *   reward  the run's upper level on every label so far (fresh = pairs drawn by the checkpoint
 *           the learner resumed from), pi_k fixed;
 *   policy  N SAC updates, warm-started, replay relabelled with the updated r_x;
 *   gather  env steps with the NEW policy into the replay; the next pairs are cut from them.
 * Pairs are drawn uniformly from the new policy's clips, or (neural.pairSelection
 * 'disagreement') the candidates an ensemble of r(s, a) models disagrees on most
 * (trainer/algorithms/continuous/query-ensemble.ts, checkpointed with the learner).
 * Checkpoints hold every weight AND every optimiser state (contracts/continuous-checkpoint.ts);
 * the replay is refilled with the resumed policy after a restart, as the neural engine does.
 */
import type { Run } from '../../db/schema';
import { makeRng, type Rng } from '../core/rng';
import { getContinuousEnv } from '../envs';
import type { AnyContinuousEnv } from '../envs/types';
import type { AlgorithmName } from '../contracts/algorithms';
import { isContinuousActions } from '../contracts/clip-actions';
import { resolveRunConfig } from '../contracts/run-config';
import {
  CONTINUOUS_CHECKPOINT_ROW_FORMAT, ContinuousCheckpointError, packContinuousCheckpoint, readContinuousCheckpoint,
} from '../contracts/continuous-checkpoint';
import { CheckpointLoadError } from '../contracts/tabular-checkpoint';
import { randomClipPairs, type ContinuousLabeledPair, type ContinuousSegment, type ContinuousTransition } from '../algorithms/continuous/experience';
import { ContinuousLearner, type ContinuousLabels } from '../algorithms/continuous/learner';
import { continuousSchedule, envContinuousSchedule, type ContinuousSchedule } from '../algorithms/continuous/run-config';
import type { EncodedCheckpoint, Engine, EngineLabels, EngineRun, EnginePlan, Metrics, Proposal, ProposalRequest, StepContext, StoredCheckpoint } from './engine';
import { toPreference } from './label-rows';
import { MeasuredDemand } from './measured-demand';
import type { ClipData, LabelRow, PairSpec } from './store';
import { mixSeed } from './tabular-engine';
import { prepareEnv } from '../mujoco/load';
import { packSegments } from '../algorithms/continuous/reward-model';
import { topByScore } from './query-selection';

export interface ContinuousPlan extends EnginePlan {
  algorithm: AlgorithmName;
  schedule: ContinuousSchedule;
  env: AnyContinuousEnv;
}

export interface ContinuousRunLabels {
  packed: ContinuousLabels | null;
  labelIds: number[];
  /** Labels above the resumed checkpoint's watermark. */
  consumed: number;
}

type Ctx = StepContext<ContinuousPlan>;

/** A stored clip of a continuous run as the learner takes it (true rewards are never read: zeros). */
export function continuousClipSegment(envId: string, clip: ClipData): ContinuousSegment {
  const { actions } = clip;
  if (actions.length > 0 && !isContinuousActions(actions)) throw new Error(`a clip of '${envId}' holds action indices; a continuous run needs action vectors`);
  const vectors = actions as number[][];
  if (clip.states.length !== vectors.length + 1) throw new Error(`a clip of '${envId}' has ${clip.states.length} states for ${vectors.length} actions (one more state expected)`);
  return { envId, states: clip.states, actions: vectors, trueRewards: vectors.map(() => 0), logProbs: clip.logProbs, done: false };
}

/** A clip drawn from the policy as it is stored (each state as the env stores it: envs/types.ts storedState). */
function toContinuousClipSpec(env: AnyContinuousEnv, segment: ContinuousSegment, seed: number): PairSpec['first'] {
  const stored = env.storedState?.bind(env);
  return {
    seed, states: stored ? segment.states.map((s) => stored(s)) : [...segment.states], actions: segment.actions.map((a) => [...a]), logProbs: [...segment.logProbs],
    trueReturn: segment.trueRewards.reduce((s, r) => s + r, 0),
  };
}

export class ContinuousEngine implements Engine<ContinuousLearner, ContinuousPlan, ContinuousRunLabels> {
  readonly kind = 'continuous';
  private readonly demand = new MeasuredDemand();
  private warnedSelection = false;
  private readonly baseSchedule: ContinuousSchedule | undefined;

  /**
   * `schedule`: what a run's `neural` settings override (tests pass their own); unset, each run
   * starts from its env's schedule (envContinuousSchedule).
   */
  constructor(options: { schedule?: ContinuousSchedule } = {}) {
    this.baseSchedule = options.schedule;
  }

  firstCheckpointNote(run: Run): string {
    return ` (${run.envId}, continuous)`;
  }

  plan(run: EngineRun): ContinuousPlan {
    const config = resolveRunConfig(run.envId, run.config);
    return {
      config, algorithm: run.algorithm as AlgorithmName, schedule: continuousSchedule(config, this.baseSchedule ?? envContinuousSchedule(run.envId)), env: getContinuousEnv(run.envId),
      setupKey: JSON.stringify([run.envId, run.algorithm, config.seed, config.gamma, config.tau, config.horizon, config.algorithm, config.neural ?? null]),
    };
  }

  async prepare(): Promise<void> {
    // Nothing to load per tick: the learners run on the dense-MLP kernel, not on tfjs; a MuJoCo
    // env's simulator is loaded by start / restore, which know the env.
  }

  async pendingTarget(ctx: Ctx, measured?: { watermark: number; maxLabelId: number; seconds: number }): Promise<number> {
    return this.demand.pendingTarget(ctx, ctx.plan.config.pendingFactor, measured);
  }

  async start(ctx: Ctx): Promise<ContinuousLearner> {
    await prepareEnv(ctx.plan.env); // MuJoCo envs: the simulator, once per process
    const learner = this.build(ctx, ctx.run.iteration);
    await learner.collect(Math.max(ctx.plan.schedule.envStepsPerIter, ctx.plan.schedule.lower.minReplay), ctx.slicer);
    return learner;
  }

  async restore(ctx: Ctx, stored: StoredCheckpoint | null, iteration: number): Promise<ContinuousLearner> {
    await prepareEnv(ctx.plan.env);
    await this.demand.resume(ctx.history);
    const learner = this.build(ctx, iteration);
    if (stored) loadContinuousCheckpoint(stored, learner);
    await learner.collect(Math.max(ctx.plan.schedule.envStepsPerIter, ctx.plan.schedule.lower.minReplay), ctx.slicer);
    return learner;
  }

  restoredNote(learner: ContinuousLearner, stored: StoredCheckpoint): string {
    return `resumed from ${stored.label} (weights and optimiser state); replay refilled with ${learner.pool.length} env steps of its policy`;
  }

  labels(ctx: Ctx, rows: readonly LabelRow[], resumedFrom: { checkpointId: number; watermark: number }): EngineLabels<ContinuousRunLabels> {
    const { envId } = ctx.run;
    const all: ContinuousLabeledPair[] = [], fresh: ContinuousLabeledPair[] = [];
    for (const row of rows) {
      const pair = { first: continuousClipSegment(envId, row.first), second: continuousClipSegment(envId, row.second), y: toPreference(row.y) };
      all.push(pair);
      if (row.pairCheckpointId === resumedFrom.checkpointId) fresh.push(pair);
    }
    // Packing needs the learner's env only; any learner of the run packs alike.
    const packed = all.length > 0 ? ContinuousLearner.pack(ctx.plan.env, all, fresh, ctx.plan.config.horizon) : null;
    const consumed = rows.filter((r) => r.labelId > resumedFrom.watermark).length;
    return { data: { packed, labelIds: rows.map((r) => r.labelId), consumed }, all: all.length, fresh: fresh.length };
  }

  async updateReward(ctx: Ctx, learner: ContinuousLearner, labels: EngineLabels<ContinuousRunLabels>): Promise<Metrics> {
    const { run, plan, slicer } = ctx;
    ctx.log(`trainer run=${run.id} k=${run.iteration + 1} computing on ${labels.all} labels (${labels.data.consumed} new)`);
    await slicer.pause('read-labels');
    if (!labels.data.packed) return {};
    return { ...(await learner.updateReward(labels.data.packed, run.iteration, makeRng(mixSeed(plan.config.seed, run.id, run.iteration + 1, 6)), slicer)) };
  }

  async updatePolicy(ctx: Ctx, learner: ContinuousLearner): Promise<Metrics> {
    const { run, plan, slicer } = ctx;
    return learner.updatePolicy(makeRng(mixSeed(plan.config.seed, run.id, run.iteration + 1, 2)), slicer);
  }

  async gather(ctx: Ctx, learner: ContinuousLearner): Promise<Metrics> {
    const { run, plan, slicer } = ctx;
    const pool = await learner.collect(plan.schedule.envStepsPerIter, slicer);
    learner.poolSeed = mixSeed(plan.config.seed, run.id, run.iteration + 1, 4);
    const rewards = pool.length > 0 ? learner.rewardModel.rewards(...learnerRows(learner), pool.length) : new Float32Array(0);
    const mean = rewards.reduce((s, v) => s + v, 0) / Math.max(rewards.length, 1);
    return rewards.length > 0 ? { 'reward/mean': mean } : {};
  }

  async propose(ctx: Ctx, learner: ContinuousLearner, request: ProposalRequest<ContinuousRunLabels>): Promise<Proposal & { metrics?: Metrics }> {
    const { run, plan, slicer } = ctx;
    if (!this.warnedSelection) {
      this.warnedSelection = true;
      ctx.log(`trainer run=${run.id} continuous actions: pairs chosen by neural.pairSelection '${plan.schedule.selection?.mode ?? 'uniform'}' (querySelection is the discrete engines')`);
    }
    const seedParts = request.purpose === 'top-up' ? [run.iteration, request.index, 17] : request.purpose === 'first' ? [run.iteration, 0] : [run.iteration + 1, 0];
    const count = request.purpose === 'top-up' ? request.count - request.pending : request.count;
    const rng = makeRng(mixSeed(plan.config.seed, run.id, ...seedParts));
    // No labels yet ('first'): the ensemble is untrained, its ranking arbitrary; uniform is honest.
    if (request.purpose === 'first') return { pairs: uniformPairs(plan.env, learner.pool, learner.poolSeed, plan.config.horizon, count, rng), meanScore: 0 };
    const started = performance.now();
    const labels = request.purpose === 'iteration' ? request.labels.data : null;
    if (learner.queries && labels?.packed) {
      learner.queries.fit(labels.packed.all, labels.labelIds, makeRng(mixSeed(plan.config.seed, run.id, run.iteration + 1, 5)));
      await slicer.pause('ensemble-fit');
    }
    const next = selectPairs(plan, learner, count, rng);
    if (request.purpose !== 'iteration') return next;
    return {
      ...next,
      metrics: {
        'labels/new': request.labels.data.consumed, 'queue/target': request.count, 'queue/demand': this.demand.latest,
        ...(learner.queries ? { 'time/query_s': (performance.now() - started) / 1000 } : {}),
      },
    };
  }

  topUpSource(ctx: Ctx, learner: ContinuousLearner): (count: number, index: number) => PairSpec[] {
    const { run, plan } = ctx;
    const pool = learner.pool, poolSeed = learner.poolSeed;
    return (count, index) => uniformPairs(plan.env, pool, poolSeed, plan.config.horizon, count, makeRng(mixSeed(plan.config.seed, run.id, run.iteration, index, 17)));
  }

  /** 'return/true' (sampled actions), 'return/greedy' (tanh(mu)), 'return/learned'; `final`: finalEvalEpisodes episodes. */
  evaluate(ctx: Ctx, learner: ContinuousLearner, iteration: number, final = false): Metrics {
    const { plan, run } = ctx;
    const episodes = final ? plan.schedule.finalEvalEpisodes : plan.schedule.evalEpisodes;
    if (episodes === 0) return { 'return/true': Number.NaN };
    return learner.evaluate(episodes, makeRng(mixSeed(plan.config.seed, run.id, iteration, 3)));
  }

  async encodeCheckpoint(learner: ContinuousLearner): Promise<EncodedCheckpoint> {
    return { formatVersion: CONTINUOUS_CHECKPOINT_ROW_FORMAT, ...encodeContinuousCheckpoint(learner) };
  }

  summary(ctx: Ctx, _learner: ContinuousLearner, labels: EngineLabels<ContinuousRunLabels>, m: Metrics): string {
    return `loss=${(m['loss/preference'] ?? Number.NaN).toFixed(4)} labels=${labels.all} fresh=${labels.fresh} new=${labels.data.consumed} ` +
      `return=${(m['return/true'] ?? Number.NaN).toFixed(1)} alpha=${(m['sac/alpha'] ?? Number.NaN).toFixed(3)} pending=${m['queue/pending']} target=${m['queue/target']} ` +
      `seconds=${(m['time/iteration_s'] ?? Number.NaN).toFixed(2)} yields=${ctx.slicer.yields}`;
  }

  dispose(): void {
    // Kernel memory is garbage-collected with the learner.
  }

  close(): void {}

  private build(ctx: Ctx, iteration: number): ContinuousLearner {
    const { plan, run } = ctx;
    return new ContinuousLearner(plan.env, plan.algorithm, { gamma: plan.config.gamma, tau: plan.config.tau, seed: plan.config.seed }, plan.schedule,
      mixSeed(plan.config.seed, run.id, iteration, 1));
  }
}

function learnerRows(learner: ContinuousLearner): [Float32Array, Float32Array] {
  const { pool } = learner;
  const O = learner.env.observationSize, A = learner.env.actionSpace.low.length;
  const obs = new Float32Array(pool.length * O), actions = new Float32Array(pool.length * A);
  pool.forEach((tr, i) => {
    obs.set(tr.obs, i * O);
    actions.set(tr.normalisedAction, i * A);
  });
  return [obs, actions];
}

/** At most this many candidate pairs are scored (disagreement selection), however large the pending target grows. */
const MAX_CANDIDATE_PAIRS = 1000;

/**
 * `count` pairs from the learner's pool, best first: uniform (priority 0) without a fitted query
 * ensemble; else count x oversample candidates (capped) scored by the ensemble's disagreement on
 * P(first preferred), the top `count` kept with their score as priority.
 */
export function selectPairs(plan: ContinuousPlan, learner: ContinuousLearner, count: number, rng: Rng): Proposal {
  const { env, config, schedule } = plan;
  const queries = learner.queries;
  if (!queries?.fitted || count <= 0) return { pairs: uniformPairs(env, learner.pool, learner.poolSeed, config.horizon, count, rng), meanScore: 0 };
  const candidates = Math.min(Math.max(count, MAX_CANDIDATE_PAIRS), count * (schedule.selection?.oversample ?? 1));
  const drawn = randomClipPairs(env.id, learner.pool, config.horizon, candidates, rng);
  if (drawn.length === 0) return { pairs: [], meanScore: 0 };
  const scores = queries.disagreement(packSegments(env, drawn.map((p) => p[0]), config.horizon), packSegments(env, drawn.map((p) => p[1]), config.horizon));
  const chosen = topByScore(Array.from(scores), count);
  return {
    pairs: chosen.map((i) => ({ first: toContinuousClipSpec(env, drawn[i]![0], learner.poolSeed), second: toContinuousClipSpec(env, drawn[i]![1], learner.poolSeed), priority: scores[i]! })),
    meanScore: chosen.reduce((sum, i) => sum + scores[i]!, 0) / chosen.length,
  };
}

/** `count` uniformly drawn pairs of clips of `pool` (transitions of one policy), as stored. */
function uniformPairs(env: AnyContinuousEnv, pool: readonly ContinuousTransition[], poolSeed: number, horizon: number, count: number, rng: Rng): PairSpec[] {
  if (count <= 0) return [];
  return randomClipPairs(env.id, pool, horizon, count, rng).map(([a, b]) => ({ first: toContinuousClipSpec(env, a, poolSeed), second: toContinuousClipSpec(env, b, poolSeed), priority: 0 }));
}

/** The three blobs of a checkpoint. */
export function encodeContinuousCheckpoint(learner: ContinuousLearner): { rewardModel: Buffer; policy: Buffer; optimizerState: Buffer } {
  const state = learner.exportState();
  const config = { env: learner.env.id, algorithm: learner.algorithm, hiddenSizes: learner.schedule.lower.sac.hiddenSizes ?? null, rewardHidden: learner.schedule.upper.hiddenSizes };
  const toBuffer = (u8: Uint8Array) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  return {
    rewardModel: toBuffer(packContinuousCheckpoint('continuous-reward', config, state.reward)),
    policy: toBuffer(packContinuousCheckpoint('continuous-policy', config, state.policy)),
    optimizerState: toBuffer(packContinuousCheckpoint('continuous-optimizer', config, state.optimizer)),
  };
}

/** Writes a stored checkpoint into `learner` (fresh for the run's settings) after every check; throws CheckpointLoadError. */
export function loadContinuousCheckpoint(stored: StoredCheckpoint, learner: ContinuousLearner): void {
  const { label } = stored;
  const format = stored.meta.formatVersion;
  if (format !== CONTINUOUS_CHECKPOINT_ROW_FORMAT) {
    throw new CheckpointLoadError(`${label} is format v${format}; this build reads continuous checkpoints of format v${CONTINUOUS_CHECKPOINT_ROW_FORMAT}`);
  }
  const read = (blob: Uint8Array | null, what: string, kind: Parameters<typeof readContinuousCheckpoint>[2]) => {
    if (!blob) throw new CheckpointLoadError(`${label}: ${what}: the blob is missing`);
    try {
      return readContinuousCheckpoint(blob, `${label}: ${what}`, kind).sections;
    } catch (error) {
      if (error instanceof ContinuousCheckpointError) throw new CheckpointLoadError(error.message);
      throw error;
    }
  };
  const reward = read(stored.blobs.rewardModel, 'reward model', 'continuous-reward');
  const policy = read(stored.blobs.policy, 'policy', 'continuous-policy');
  const optimizer = read(stored.blobs.optimizerState, 'optimiser state', 'continuous-optimizer');
  try {
    learner.importState({ reward, policy, optimizer });
  } catch (error) {
    throw new CheckpointLoadError(`${label}: ${(error as Error).message}`);
  }
}
