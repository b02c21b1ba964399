import type { Db } from '@/db/client';
import { checkpoints, clips, metrics, pairs, runs, CLIP_FORMAT_VERSION } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { encodeVector } from '@/trainer/contracts/tabular-checkpoint';
import { NEURAL_CHECKPOINT_ROW_FORMAT } from '@/server/inspect/neuralRewards';
import { returnedRow } from '@/db/dialect';

/** Tiny hand-made runs for the inspect tests (tests only). */

export const T0 = 1_750_000_000_000;
export const MINUTE = 60_000;

/** grid5 state from its index (row * 5 + col). */
export const cell = (s: number) => ({ row: Math.floor(s / 5), col: s % 5 });

export async function insertRun(db: Db, opts: { name: string; envId?: string; algorithm?: string; config?: Record<string, unknown> }): Promise<number> {
  return writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(runs).values({
      name: opts.name,
      envId: opts.envId ?? 'grid5',
      algorithm: opts.algorithm ?? 'sobirl',
      instructions: 'Reach the green corner.',
      config: opts.config ?? { features: 'state', gamma: 0.9, tau: 0.1 },
      createdAt: T0,
      updatedAt: T0,
    }).returning({ id: runs.id }))).id,
  );
}

/** A clip through the given grid5 state indices (one action, 'right' = 3, per transition). */
export async function insertClip(db: Db, runId: number, stateIndices: readonly number[]): Promise<number> {
  return writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(clips).values({
      runId,
      envId: 'grid5',
      seed: 0,
      states: stateIndices.map(cell),
      actions: stateIndices.slice(1).map(() => 3),
      logProbs: stateIndices.slice(1).map(() => Math.log(0.25)),
      trueReturn: null,
      formatVersion: CLIP_FORMAT_VERSION,
    }).returning({ id: clips.id }))).id,
  );
}

export async function insertPair(db: Db, runId: number, clipAId: number, clipBId: number): Promise<number> {
  return writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(pairs).values({ runId, clipAId, clipBId, status: 'done', createdAt: T0 }).returning({ id: pairs.id }))).id,
  );
}

export async function insertCheckpoint(
  db: Db,
  opts: { runId: number; iteration: number; createdAt: number; labelWatermark: number; x: ArrayLike<number>; Q: ArrayLike<number>; formatVersion?: number },
): Promise<number> {
  return writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(checkpoints).values({
      runId: opts.runId,
      iteration: opts.iteration,
      formatVersion: opts.formatVersion ?? 1,
      rewardModel: encodeVector(opts.x),
      policy: encodeVector(opts.Q),
      createdAt: opts.createdAt,
      labelWatermark: opts.labelWatermark,
    }).returning({ id: checkpoints.id }))).id,
  );
}

export async function insertMetric(db: Db, runId: number, iteration: number, name: string, value: number): Promise<void> {
  await writeTx(db, async (tx) => (await tx.insert(metrics).values({ runId, iteration, name, value, createdAt: T0 })));
}

/** A clip of any env from explicit states (one more than actions). */
export async function insertEnvClip(db: Db, runId: number, envId: string, states: readonly unknown[], actions: readonly number[]): Promise<number> {
  return writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(clips).values({
      runId,
      envId,
      seed: 0,
      states: [...states],
      actions: [...actions],
      logProbs: actions.map(() => Math.log(0.5)),
      trueReturn: null,
      formatVersion: CLIP_FORMAT_VERSION,
    }).returning({ id: clips.id }))).id,
  );
}

/** A neural checkpoint row whose reward-model blob is given as is (`saveCheckpoint(rewardModel)`). */
export async function insertBlobCheckpoint(
  db: Db,
  opts: { runId: number; iteration: number; createdAt: number; labelWatermark: number; rewardModel: Uint8Array | null; formatVersion?: number },
): Promise<number> {
  return writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(checkpoints).values({
      runId: opts.runId,
      iteration: opts.iteration,
      formatVersion: opts.formatVersion ?? NEURAL_CHECKPOINT_ROW_FORMAT,
      rewardModel: opts.rewardModel ? Buffer.from(opts.rewardModel) : null,
      policy: null,
      createdAt: opts.createdAt,
      labelWatermark: opts.labelWatermark,
    }).returning({ id: checkpoints.id }))).id,
  );
}
