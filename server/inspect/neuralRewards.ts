/**
 * What a neural run's checkpoints learned, read back on the web server: the reward model of each
 * checkpoint (decoded without tfjs by neuralRewardModel.ts) applied to stored clips, r_x(s_h, a_h)
 * with s_h seen through the env registry's `observe` exactly as the trainer feeds its reward model
 * (trainer/algorithms/neural/neural-rlhf.ts), and the true reward replayed with the env's own
 * `step` (as the scripted teachers judge clips, trainer/service/simulated-annotators.ts).
 *
 * Memory stays bounded however many checkpoints a run has: decoded models (~37 kB per 64x64
 * member in Float64) sit in a small LRU by parameter count, and what the run page needs from each
 * checkpoint, one learned return per labeled clip, in a cache capped by entry count.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, type Run } from '@/db/schema';
import { makeRng } from '@/trainer/core/rng';
import { getEnv, type Env } from '@/trainer/envs';
import { NEURAL_CHECKPOINT_ROW_FORMAT } from '@/trainer/contracts/neural-checkpoint';
import { outdatedObservationMessage } from '@/trainer/contracts/tabular-checkpoint';
import { decodeNeuralRewardModel, stepRewards, type NeuralRewardModel } from './neuralRewardModel';
import { firstRow } from '@/db/dialect';

/** checkpoints.format_version of a neural row (trainer/contracts/neural-checkpoint.ts; tabular rows are 1). */
export { NEURAL_CHECKPOINT_ROW_FORMAT };

export interface NeuralRunContext {
  env: Env;
}

/** The run's (non-tabular) environment, or why its checkpoints are not neural ones. */
export function neuralContext(run: Pick<Run, 'envId'>): { ok: true; value: NeuralRunContext } | { ok: false; reason: string } {
  let env: Env;
  try {
    env = getEnv(run.envId);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  if (env.tabular) return { ok: false, reason: `${run.envId} is a tabular environment` };
  return { ok: true, value: { env } };
}

export interface ClipSteps {
  id: number;
  states: unknown[];
  actions: number[];
}

/** A clip as the reward model and the metrics see it. */
export interface PreparedClip {
  id: number;
  actions: readonly number[];
  /** observe(states[h]) for each step h < actions.length. */
  observations: number[][];
  /** The env's true reward of each step, replayed from the stored states. */
  trueRewards: number[];
}

/** Throws (naming the clip) when its states are not states of this env. */
export function prepareClip(ctx: NeuralRunContext, clip: ClipSteps): PreparedClip {
  const { env } = ctx;
  if (clip.states.length < clip.actions.length) throw new Error(`clip ${clip.id} has ${clip.states.length} states for ${clip.actions.length} actions`);
  // The neural envs are deterministic: step never draws from the rng, only its reward is used.
  const rng = makeRng(0);
  try {
    const observations = clip.actions.map((_, h) => {
      const obs = env.observe(clip.states[h]);
      if (obs.length !== env.observationSize || obs.some((v) => !Number.isFinite(v))) throw new Error(`step ${h} is not a ${env.id} state`);
      return obs;
    });
    const trueRewards = clip.actions.map((a, h) => env.step(clip.states[h], a, rng).reward);
    return { id: clip.id, actions: clip.actions, observations, trueRewards };
  } catch (error) {
    throw new Error(`cannot replay clip ${clip.id} in ${env.id}: ${(error as Error).message}`);
  }
}

export type DecodedModel = { ok: true; model: NeuralRewardModel } | { ok: false; error: string };

// Keyed by connection first: test databases reuse checkpoint ids. Checkpoint rows never change
// after commit, so an id names one model for good.
const models = new WeakMap<Db, Map<number, DecodedModel>>();
/** ~16 MB of Float64 weights: dozens of 64x64 models, enough for one pass over the sampled checkpoints. */
const MODEL_CACHE_PARAMETERS = 2_000_000;
const modelParameters = new WeakMap<Db, { total: number }>();
/** Unreadable checkpoints are remembered too (their message): a cap on those. */
const MODEL_CACHE_ENTRIES = 2_000;

/** Checkpoint `checkpointId` of run `runId` as a reward model, or why it cannot be read. */
export async function loadCheckpointRewardModel(db: Db, runId: number, ctx: NeuralRunContext, checkpointId: number): Promise<DecodedModel> {
  let known = models.get(db);
  if (!known) models.set(db, (known = new Map()));
  const hit = known.get(checkpointId);
  if (hit) {
    // Most recently used last: the oldest entry is the first evicted.
    known.delete(checkpointId);
    known.set(checkpointId, hit);
    return hit;
  }
  const row = await firstRow(db
    .select({ iteration: checkpoints.iteration, formatVersion: checkpoints.formatVersion, blob: checkpoints.rewardModel })
    .from(checkpoints)
    .where(and(eq(checkpoints.runId, runId), eq(checkpoints.id, checkpointId))));
  if (!row) return { ok: false, error: `checkpoint ${checkpointId} is not one of run ${runId}'s` };
  const label = `checkpoint ${checkpointId} (iteration ${row.iteration}) of run ${runId}`;
  const decoded: DecodedModel = row.formatVersion === NEURAL_CHECKPOINT_ROW_FORMAT
    ? decodeChecked(ctx, row.blob, label)
    : { ok: false, error: `${label} is format v${row.formatVersion}; this build reads neural checkpoints of format v${NEURAL_CHECKPOINT_ROW_FORMAT}` };
  const size = decoded.ok ? decoded.model.parameterCount : 0;
  const used = modelParameters.get(db) ?? { total: 0 };
  modelParameters.set(db, used);
  for (const [id, old] of known) {
    if (used.total + size <= MODEL_CACHE_PARAMETERS && known.size < MODEL_CACHE_ENTRIES) break;
    known.delete(id);
    used.total -= old.ok ? old.model.parameterCount : 0;
  }
  known.set(checkpointId, decoded);
  used.total += size;
  return decoded;
}

function decodeChecked(ctx: NeuralRunContext, blob: Uint8Array | null, label: string): DecodedModel {
  try {
    const model = decodeNeuralRewardModel(blob, label);
    const { env } = ctx;
    if (model.obsSize !== env.observationSize && model.numActions === env.actionNames.length) {
      return { ok: false, error: `${label}: ${outdatedObservationMessage(env.id, model.obsSize, env.observationSize)}` };
    }
    if (model.obsSize !== env.observationSize || model.numActions !== env.actionNames.length) {
      return {
        ok: false,
        error: `${label} is a reward model for ${model.obsSize} observations and ${model.numActions} actions; ${env.id} has ${env.observationSize} and ${env.actionNames.length}`,
      };
    }
    return { ok: true, model };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

// checkpoint id -> clip id -> learned return sum_h r_x(s_h, a_h); per connection, like the models.
const returns = new WeakMap<Db, { byCheckpoint: Map<number, Map<number, number>>; entries: number }>();
/** ~20 MB at most: e.g. 400 clips x 500 checkpoints; past it the cache starts over. */
const RETURN_CACHE_ENTRIES = 200_000;

/**
 * Each checkpoint's learned return of each clip, aligned with `clips` (or the reason the
 * checkpoint is unreadable). Only (checkpoint, clip) pairs not computed before cost a forward pass.
 */
export async function learnedClipReturns(
  db: Db,
  runId: number,
  ctx: NeuralRunContext,
  checkpointIds: readonly number[],
  clips: readonly PreparedClip[],
): Promise<Map<number, { ok: true; returns: Float64Array } | { ok: false; error: string }>> {
  let cache = returns.get(db);
  if (!cache) returns.set(db, (cache = { byCheckpoint: new Map(), entries: 0 }));
  const out = new Map<number, { ok: true; returns: Float64Array } | { ok: false; error: string }>();
  for (const id of checkpointIds) {
    let known = cache.byCheckpoint.get(id);
    let missing = clips.filter((c) => !known?.has(c.id));
    if (missing.length > 0) {
      const decoded = await loadCheckpointRewardModel(db, runId, ctx, id);
      if (!decoded.ok) {
        out.set(id, decoded);
        continue;
      }
      if (cache.entries + missing.length > RETURN_CACHE_ENTRIES) {
        cache.byCheckpoint.clear();
        cache.entries = 0;
        missing = [...clips];
      }
      known = cache.byCheckpoint.get(id);
      if (!known) cache.byCheckpoint.set(id, (known = new Map()));
      for (const clip of missing) {
        known.set(clip.id, stepRewards(decoded.model, clip.observations, clip.actions).reduce((s, r) => s + r, 0));
      }
      cache.entries += missing.length;
    }
    out.set(id, { ok: true, returns: Float64Array.from(clips, (c) => known!.get(c.id)!) });
  }
  return out;
}

/** What the caches hold for this connection (tests check the bounds). */
export function neuralCacheSize(db: Db): { models: number; parameters: number; returns: number } {
  return { models: models.get(db)?.size ?? 0, parameters: modelParameters.get(db)?.total ?? 0, returns: returns.get(db)?.entries ?? 0 };
}

export const NEURAL_CACHE_LIMITS = { parameters: MODEL_CACHE_PARAMETERS, models: MODEL_CACHE_ENTRIES, returns: RETURN_CACHE_ENTRIES } as const;
