import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, type Run } from '@/db/schema';
import { resolveRunConfig, type RunConfig } from '@/trainer/contracts/run-config';
import { TABULAR_CHECKPOINT_FORMAT } from '@/trainer/contracts/tabular-checkpoint';
import { decodePolicy, decodeRewardTable, policyReturn, tabularShape, type TabularShape } from './tabularModel';

/** What one tabular checkpoint learned, decoded once: checkpoint rows never change after commit. */
export type DecodedCheckpoint =
  | { ok: true; reward: Float64Array; learnedReturn: number }
  | { ok: false; error: string };

export interface CheckpointRow {
  id: number;
  iteration: number;
  createdAt: number;
  labelWatermark: number;
  labelsUsed: number;
  formatVersion: number;
}

export interface TabularRunContext {
  shape: TabularShape;
  config: RunConfig;
  algorithm: string;
}

/** The run's tabular setup, or a reason the server cannot read its checkpoints. */
export function tabularContext(run: Pick<Run, 'envId' | 'algorithm' | 'config'>): { ok: true; value: TabularRunContext } | { ok: false; reason: string } {
  let shape: TabularShape | null;
  try {
    shape = tabularShape(run.envId);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  if (!shape) return { ok: false, reason: `${run.envId} is not a tabular environment` };
  try {
    return { ok: true, value: { shape, config: resolveRunConfig(run.envId, run.config), algorithm: run.algorithm } };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

// Keyed by connection first: test databases reuse checkpoint ids.
const cache = new WeakMap<Db, Map<number, DecodedCheckpoint>>();
const CACHE_LIMIT = 20_000;

/**
 * Decoded checkpoints by id; blobs are read only for ids not decoded before. A checkpoint that
 * does not decode (format, checksum, size) is reported, never half-used.
 */
export async function decodeCheckpoints(db: Db, runId: number, ctx: TabularRunContext, ids: readonly number[]): Promise<Map<number, DecodedCheckpoint>> {
  let known = cache.get(db);
  if (!known) cache.set(db, (known = new Map()));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0) {
    if (known.size + missing.length > CACHE_LIMIT) known.clear();
    const rows = await db
      .select({
        id: checkpoints.id, iteration: checkpoints.iteration, formatVersion: checkpoints.formatVersion,
        rewardModel: checkpoints.rewardModel, policy: checkpoints.policy,
      })
      .from(checkpoints)
      .where(and(eq(checkpoints.runId, runId), inArray(checkpoints.id, missing)));
    for (const row of rows) known.set(row.id, decodeOne(ctx, runId, row));
  }
  const out = new Map<number, DecodedCheckpoint>();
  for (const id of ids) {
    const hit = known.get(id);
    if (hit) out.set(id, hit);
  }
  return out;
}

function decodeOne(
  ctx: TabularRunContext,
  runId: number,
  row: { id: number; iteration: number; formatVersion: number; rewardModel: Buffer | null; policy: Buffer | null },
): DecodedCheckpoint {
  const label = `checkpoint ${row.id} (iteration ${row.iteration}) of run ${runId}`;
  if (row.formatVersion !== TABULAR_CHECKPOINT_FORMAT) {
    return { ok: false, error: `${label} is format v${row.formatVersion}; this build reads v${TABULAR_CHECKPOINT_FORMAT}` };
  }
  try {
    const layout = { algorithm: ctx.algorithm, features: ctx.config.features };
    const reward = decodeRewardTable(ctx.shape, layout, row.rewardModel, label);
    const pi = decodePolicy(ctx.shape, ctx.config.tau, row.policy, label);
    return { ok: true, reward, learnedReturn: policyReturn(ctx.shape, ctx.config.gamma, ctx.config.tau, pi, reward) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** The run's checkpoints without blobs, oldest first. */
export async function listCheckpointRows(db: Db, runId: number): Promise<CheckpointRow[]> {
  return await db
    .select({
      id: checkpoints.id, iteration: checkpoints.iteration, createdAt: checkpoints.createdAt,
      labelWatermark: checkpoints.labelWatermark, labelsUsed: checkpoints.labelsUsed, formatVersion: checkpoints.formatVersion,
    })
    .from(checkpoints)
    .where(eq(checkpoints.runId, runId))
    .orderBy(checkpoints.iteration);
}
