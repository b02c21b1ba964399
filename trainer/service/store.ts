/**
 * Everything the trainer service reads from and writes to the database. Reads are short and
 * outside any write transaction; every write is ONE short write transaction (`rowLockTx`: IMMEDIATE on SQLite, the run's row locked on PostgreSQL) that
 * re-checks what it relies on (the run's iteration counter), so a second service, or this one
 * restarted after a crash, can never commit the same iteration twice, and, given the run's lease
 * (db/run-leases.ts), that the committer still holds the run.
 */
import { and, desc, eq, gt, inArray, isNotNull, isNull, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { checkpoints, clips, labels, leases, metrics, pairs, runs, CLIP_FORMAT_VERSION, type Run } from '../../db/schema';
import { rowLockTx, type Tx } from '../../db/transactions';
import { lockPairsSkippingLocked, lockRun } from '../../db/row-locks';
import { pairNotFlagged } from './label-rows';
import { firstRow, queryFirst, queryRows } from '../../db/dialect';
import { leaseStillHeld, type LeaseToken } from '../../db/run-leases';
import type { ClipActions } from '../contracts/clip-actions';

export async function listActiveRuns(db: Db): Promise<Run[]> {
  return db.select().from(runs).where(eq(runs.status, 'active')).orderBy(runs.id);
}

export interface CheckpointMeta {
  id: number;
  iteration: number;
  formatVersion: number;
  labelWatermark: number;
  labelsUsed: number;
}

/** The run's checkpoints, newest first (without blobs). */
export async function listCheckpoints(db: Db, runId: number): Promise<CheckpointMeta[]> {
  return db
    .select({
      id: checkpoints.id,
      iteration: checkpoints.iteration,
      formatVersion: checkpoints.formatVersion,
      labelWatermark: checkpoints.labelWatermark,
      labelsUsed: checkpoints.labelsUsed,
    })
    .from(checkpoints)
    .where(eq(checkpoints.runId, runId))
    .orderBy(desc(checkpoints.iteration));
}

export interface CheckpointBlobs {
  rewardModel: Buffer | null;
  policy: Buffer | null;
  /** Null for checkpoints written before optimiser state was saved. */
  optimizerState: Buffer | null;
}

export async function loadCheckpointBlobs(db: Db, checkpointId: number): Promise<CheckpointBlobs> {
  const row = await firstRow(db
    .select({ rewardModel: checkpoints.rewardModel, policy: checkpoints.policy, optimizerState: checkpoints.optimizerState })
    .from(checkpoints)
    .where(eq(checkpoints.id, checkpointId)));
  return row ?? { rewardModel: null, policy: null, optimizerState: null };
}

/** Labels that carry a preference (y not null), are live (not undone), on this run's pairs nobody flagged. */
const usable = (runId: number) => and(eq(pairs.runId, runId), isNotNull(labels.y), isNull(labels.undoneAt), pairNotFlagged);

export interface NewLabelStats {
  count: number;
  /** Highest id among them (the next watermark); 0 when none. */
  maxId: number;
  /** created_at of the oldest (for the iteration timeout); null when none. */
  oldestAt: number | null;
}

export async function newLabelStats(db: Db, runId: number, watermark: number): Promise<NewLabelStats> {
  const row = await firstRow(db
    .select({
      count: sql<number>`count(*)`,
      maxId: sql<number | null>`max(${labels.id})`,
      oldestAt: sql<number | null>`min(${labels.createdAt})`,
    })
    .from(labels)
    .innerJoin(pairs, eq(pairs.id, labels.pairId))
    .where(and(usable(runId), gt(labels.id, watermark))));
  return { count: row?.count ?? 0, maxId: row?.maxId ?? 0, oldestAt: row?.oldestAt ?? null };
}

export interface ClipData {
  states: unknown[];
  /** One index per step (discrete-action envs) or one vector per step (continuous ones). */
  actions: ClipActions;
  logProbs: number[];
}

export interface LabelRow {
  labelId: number;
  y: number;
  /** The checkpoint whose policy drew the pair (null: seeded or hand-made pairs). */
  pairCheckpointId: number | null;
  first: ClipData;
  second: ClipData;
}

/** Every usable label of the run with id <= maxId, joined with its two clips (one read). */
export async function readLabels(db: Db, runId: number, maxId: number): Promise<LabelRow[]> {
  // Raw SQL: the self-join of clips needs table aliases, which drizzle's sqlite-core alias()
  // renders for SQLite only; the JSON columns are parsed here as their columns would.
  const rows = await queryRows<{
    labelId: number; y: number; pairCheckpointId: number | null;
    aStates: string; aActions: string; aLogProbs: string; bStates: string; bActions: string; bLogProbs: string;
  }>(db, sql`select ${labels.id} as "labelId", ${labels.y} as "y", ${pairs.checkpointId} as "pairCheckpointId",
      ca.states as "aStates", ca.actions as "aActions", ca.log_probs as "aLogProbs",
      cb.states as "bStates", cb.actions as "bActions", cb.log_probs as "bLogProbs"
    from ${labels} join ${pairs} on ${pairs.id} = ${labels.pairId}
      join ${clips} ca on ca.id = ${pairs.clipAId} join ${clips} cb on cb.id = ${pairs.clipBId}
    where ${and(usable(runId), lte(labels.id, maxId))}
    order by ${labels.id}`);
  return rows.map((r) => ({
    labelId: r.labelId,
    y: r.y,
    pairCheckpointId: r.pairCheckpointId,
    first: { states: JSON.parse(r.aStates) as unknown[], actions: JSON.parse(r.aActions) as number[], logProbs: JSON.parse(r.aLogProbs) as number[] },
    second: { states: JSON.parse(r.bStates) as unknown[], actions: JSON.parse(r.bActions) as number[], logProbs: JSON.parse(r.bLogProbs) as number[] },
  }));
}

/** Pending pairs waiting for labels; gold pairs stay pending for ever, so they do not count. */
export async function pendingPairCount(db: Db | Tx, runId: number): Promise<number> {
  const row = await firstRow(
    db
      .select({ n: sql<number>`count(*)` })
      .from(pairs)
      .where(and(eq(pairs.runId, runId), eq(pairs.status, 'pending'), isNull(pairs.goldChoice))),
  );
  return row?.n ?? 0;
}

/** How far back labels and leases make an annotator "active" on a run, and the label-rate window. */
export const ACTIVE_WINDOW_MS = 60_000;
export const RATE_WINDOW_MS = 30_000;

/**
 * Users labeling the run now: a label on its pairs in the last ACTIVE_WINDOW_MS, or a live lease
 * on one (someone who just opened the page). Sorted ids.
 */
export async function activeAnnotatorIds(db: Db | Tx, runId: number, now: number): Promise<number[]> {
  const rows = await queryRows<{ id: number }>(db, sql`
    select l.user_id as id from ${labels} l join ${pairs} p on p.id = l.pair_id
      where p.run_id = ${runId} and l.created_at > ${now - ACTIVE_WINDOW_MS} and l.undone_at is null
    union
    select le.user_id as id from ${leases} le join ${pairs} p on p.id = le.pair_id
      where p.run_id = ${runId} and le.expires_at > ${now}
    order by id`);
  return rows.map((r) => r.id);
}

/**
 * The run's label rate (labels/s, every annotator together) over the last RATE_WINDOW_MS: the
 * count divided by the time from the window's first label to `now` (at least 1 s), so a burst
 * that just started is not diluted over a window nobody labeled in.
 */
export async function labelRate(db: Db | Tx, runId: number, now: number): Promise<number> {
  const row = await queryFirst<{ n: number; first: number | null }>(db, sql`
    select count(*) as n, min(l.created_at) as first from ${labels} l join ${pairs} p on p.id = l.pair_id
      where p.run_id = ${runId} and l.created_at > ${now - RATE_WINDOW_MS} and l.created_at <= ${now}`);
  if (!row || row.n === 0 || row.first === null) return 0;
  return row.n / Math.max(1, (now - row.first) / 1000);
}

/**
 * Supply, as the pending target counts it (queue-target.ts): pending non-gold pairs (of
 * `checkpointId` when given) that at least one of `activeIds` can still label, i.e. fewer of
 * them have a live label on it than there are active annotators. With nobody active, every
 * pending pair counts (the plain pending count). Why not the plain count: on an overlap-2 run a
 * lone annotator's labels leave every pair half done and still pending; counted as supply they
 * stopped the trainer from making pairs he could label (issue 13, item 1).
 */
export async function openPairCount(db: Db | Tx, runId: number, activeIds: readonly number[], checkpointId?: number | null): Promise<number> {
  const ofCheckpoint = checkpointId == null ? sql`` : sql` and p.checkpoint_id = ${checkpointId}`;
  if (activeIds.length === 0) {
    return (await queryFirst<{ n: number }>(db, sql`select count(*) as n from ${pairs} p
      where p.run_id = ${runId} and p.status = 'pending' and p.gold_choice is null${ofCheckpoint}`))?.n ?? 0;
  }
  const ids = sql.join(activeIds.map((id) => sql`${id}`), sql`, `);
  return (await queryFirst<{ n: number }>(db, sql`select count(*) as n from ${pairs} p
    where p.run_id = ${runId} and p.status = 'pending' and p.gold_choice is null${ofCheckpoint}
      and (select count(*) from ${labels} l where l.pair_id = p.id and l.undone_at is null and l.user_id in (${ids})) < ${activeIds.length}`))?.n ?? 0;
}

/**
 * Open pairs (as openPairCount counts them) that the next commit's retirement would delete: drawn
 * by a checkpoint, no label, no live lease. An iteration draws candidates only for the pairs
 * missing after that, not for the whole target (candidates cost time, run-budget.ts).
 */
export async function retirablePairCount(db: Db | Tx, runId: number, now: number): Promise<number> {
  return (await queryFirst<{ n: number }>(db, sql`select count(*) as n from ${pairs} p
    where p.run_id = ${runId} and p.status = 'pending' and p.gold_choice is null and p.checkpoint_id is not null
      and not exists (select 1 from ${labels} l where l.pair_id = p.id)
      and not exists (select 1 from ${leases} le where le.pair_id = p.id and le.expires_at > ${now})`))?.n ?? 0;
}

/** New labels (id > watermark) on pairs drawn by `checkpointId`. */
async function freshLabelCount(db: Db, runId: number, watermark: number, checkpointId: number): Promise<number> {
  const row = await firstRow(db
    .select({ n: sql<number>`count(*)` })
    .from(labels)
    .innerJoin(pairs, eq(pairs.id, labels.pairId))
    .where(and(eq(pairs.runId, runId), eq(pairs.checkpointId, checkpointId), isNotNull(labels.y), isNull(labels.undoneAt), gt(labels.id, watermark))));
  return row?.n ?? 0;
}


/**
 * The batch trigger of both drivers: `newLabels` (id > watermark) >= label_batch_size and, on the
 * run's newest checkpoint (`newestCheckpointId`; null on a fallback or with no checkpoint), at
 * least label_batch_size of them on THAT checkpoint's pairs, unless none of its pairs is left
 * pending (e.g. a demo queue full of seeded pairs: no more can come). Why: while an iteration
 * computes and commits, annotators keep labeling pairs already queued, drawn by the previous
 * checkpoint; starting the next iteration on those alone leaves the exploration half of the
 * hyper-gradient (on-policy pairs only, see the README) with nothing. Measured with 20 simulated
 * annotators on grid5 before this rule: labels/fresh = 0 at every iteration.
 * "Left pending" counts only pairs the ACTIVE annotators (`activeIds`) can still label
 * (openPairCount): on an overlap-2 run a lone annotator who labeled all of the newest
 * checkpoint's pairs leaves them pending, and no label on them can come from him; waiting for
 * them stalled the run until the iteration timeout (issue 13, item 1).
 */
export async function batchReady(
  db: Db, run: Pick<Run, 'id' | 'labelBatchSize'>, newLabels: number, newestCheckpointId: number | null, watermark: number, activeIds: readonly number[] = [],
): Promise<boolean> {
  if (newLabels < run.labelBatchSize) return false;
  if (newestCheckpointId === null) return true;
  return (await freshLabelCount(db, run.id, watermark, newestCheckpointId)) >= run.labelBatchSize
    || (await openPairCount(db, run.id, activeIds, newestCheckpointId)) === 0;
}

export interface ClipSpec {
  seed: number;
  states: unknown[];
  actions: ClipActions;
  logProbs: number[];
  trueReturn: number | null;
}

export interface PairSpec {
  first: ClipSpec;
  second: ClipSpec;
  /** Higher = asked first (the disagreement score; 0 under uniform selection). */
  priority: number;
}

export interface CheckpointSpec {
  formatVersion: number;
  rewardModel: Buffer;
  policy: Buffer;
  /** The upper level's optimiser state (see checkpoints.optimizer_state); omitted = none saved. */
  optimizerState?: Buffer;
  labelWatermark: number;
  labelsUsed: number;
}

export interface CommitSpec {
  runId: number;
  envId: string;
  /** runs.iteration the computation started from; the commit is dropped if it moved since. */
  expectedIteration: number;
  /** false: the run's first checkpoint (iteration = expectedIteration, counter unchanged). */
  advance: boolean;
  checkpoint: CheckpointSpec;
  metrics: Readonly<Record<string, number>>;
  /** Best first; only as many as keep `pendingTarget` open (openPairCount for `activeIds`) are inserted. */
  pairs: readonly PairSpec[];
  pendingTarget: number;
  /** The run's active annotators (activeAnnotatorIds); omitted = count every pending pair. */
  activeIds?: readonly number[];
  labelsWanted: number;
  retireStalePairs: boolean;
  now: number;
  /**
   * The committer's run lease (db/run-leases.ts): the commit is refused (null) unless the
   * run's lease row still has this holder and token, in the same transaction. Omitted
   * outside the service (tools, tests that drive one store): no check.
   */
  lease?: LeaseToken;
}

export interface CommitResult {
  checkpointId: number;
  iteration: number;
  pairsInserted: number;
  pairsRetired: number;
  pending: number;
}

/**
 * One outer iteration's results in ONE IMMEDIATE transaction: the checkpoint, its metrics, the
 * retirement of stale unlabeled pairs, the next pairs and the iteration counter. Either all of it
 * is there after a crash or none of it. Returns null when the run moved on meanwhile (another
 * service committed this iteration), for a first checkpoint when one already exists, and when
 * `spec.lease` is given and the committer no longer holds the run (another trainer claimed it
 * after this one's lease expired: the stale iteration is dropped, never written over the new
 * holder's).
 */
export async function commitIteration(db: Db, spec: CommitSpec): Promise<CommitResult | null> {
  return rowLockTx(db, async (tx) => {
    // The run's row first (db/row-locks.ts): two commits or top-ups on one run take turns, and each
    // reads the iteration and the slots after the other committed. Label traffic does not wait.
    await lockRun(tx, spec.runId);
    if (spec.lease && !(await leaseStillHeld(tx, spec.runId, spec.lease))) return null;
    const run = await firstRow(tx.select({ iteration: runs.iteration }).from(runs).where(eq(runs.id, spec.runId)));
    if (!run || run.iteration !== spec.expectedIteration) return null;
    const iteration = spec.advance ? spec.expectedIteration + 1 : spec.expectedIteration;
    const clash = await firstRow(
      tx
        .select({ id: checkpoints.id })
        .from(checkpoints)
        .where(and(eq(checkpoints.runId, spec.runId), spec.advance ? eq(checkpoints.iteration, iteration) : undefined))
        .limit(1),
    );
    if (clash) return null;

    const [checkpoint] = await tx
      .insert(checkpoints)
      .values({ runId: spec.runId, iteration, ...spec.checkpoint, committedBy: spec.lease?.holderId ?? null, leaseToken: spec.lease?.token ?? null, createdAt: spec.now })
      .returning({ id: checkpoints.id });
    const checkpointId = checkpoint!.id;
    const pairsRetired = spec.retireStalePairs ? await retireStalePairs(tx, spec.runId, checkpointId, spec.now) : 0;
    const pairsInserted = await insertPairs(tx, spec, checkpointId, iteration);
    const pending = await pendingPairCount(tx, spec.runId);
    const rows = { ...spec.metrics, 'queue/pending': pending };
    for (const [name, value] of Object.entries(rows)) {
      if (Number.isFinite(value)) await tx.insert(metrics).values({ runId: spec.runId, iteration, name, value, createdAt: spec.now });
    }
    await tx.update(runs).set({ iteration, updatedAt: spec.now }).where(eq(runs.id, spec.runId));
    return { checkpointId, iteration, pairsInserted, pairsRetired, pending };
  });
}

export interface TopUpSpec {
  runId: number;
  envId: string;
  checkpointId: number;
  iteration: number;
  pairs: readonly PairSpec[];
  pendingTarget: number;
  activeIds?: readonly number[];
  labelsWanted: number;
  now: number;
  /** As CommitSpec.lease: no pairs are inserted unless the lease is still the committer's. */
  lease?: LeaseToken;
}

/** Between iterations: more pairs from the current checkpoint when the queue runs low. */
export async function topUpPairs(db: Db, spec: TopUpSpec): Promise<number> {
  return rowLockTx(db, async (tx) => {
    await lockRun(tx, spec.runId);
    if (spec.lease && !(await leaseStillHeld(tx, spec.runId, spec.lease))) return 0;
    // The checkpoint may have been superseded while the candidates were computed.
    const run = await firstRow(tx.select({ iteration: runs.iteration }).from(runs).where(eq(runs.id, spec.runId)));
    if (!run || run.iteration !== spec.iteration) return 0;
    return insertPairs(tx, spec, spec.checkpointId, spec.iteration);
  });
}

async function insertPairs(
  tx: Tx,
  spec: Pick<CommitSpec, 'runId' | 'envId' | 'pairs' | 'pendingTarget' | 'activeIds' | 'labelsWanted' | 'now'>,
  checkpointId: number,
  iteration: number,
): Promise<number> {
  const needed = Math.max(0, spec.pendingTarget - (await openPairCount(tx, spec.runId, spec.activeIds ?? [])));
  const chosen = spec.pairs.slice(0, needed);
  // Slots continue after the ones already taken at this iteration (top-ups), so
  // (run, iteration, slot) is unique by construction; the unique index double-checks it.
  const maxSlot = (
    await firstRow(
      tx
        .select({ m: sql<number | null>`max(${pairs.slot})` })
        .from(pairs)
        .where(and(eq(pairs.runId, spec.runId), eq(pairs.iteration, iteration))),
    )
  )?.m;
  let slot = (maxSlot ?? -1) + 1;
  for (const pair of chosen) {
    const clipId = async (clip: ClipSpec) => {
      const [row] = await tx
        .insert(clips)
        .values({ runId: spec.runId, checkpointId, envId: spec.envId, ...clip, formatVersion: CLIP_FORMAT_VERSION, createdAt: spec.now })
        .returning({ id: clips.id });
      return row!.id;
    };
    const a = await clipId(pair.first);
    const b = await clipId(pair.second);
    await tx.insert(pairs)
      .values({
        runId: spec.runId,
        clipAId: a,
        clipBId: b,
        priority: pair.priority,
        labelsWanted: spec.labelsWanted,
        checkpointId,
        iteration,
        slot: slot++,
        createdAt: spec.now,
      });
  }
  return chosen.length;
}

/**
 * Pending pairs drawn by OLDER checkpoints that nobody has labeled and nobody holds a live lease
 * on carry no data and show an outdated policy: delete them (and their clips) so annotators see
 * the new policy's pairs. Labeled or leased pairs stay; seeded pairs (no checkpoint) stay; gold
 * pairs stay (an admin chose them to score annotators, whatever policy drew them).
 */
async function retireStalePairs(tx: Tx, runId: number, currentCheckpointId: number, now: number): Promise<number> {
  const unlabeled = sql`not exists (select 1 from ${labels} where ${labels.pairId} = ${pairs.id})`;
  const notLeased = sql`not exists (select 1 from ${leases} where ${leases.pairId} = ${pairs.id} and ${leases.expiresAt} > ${now})`;
  const stale = await tx
    .select({ id: pairs.id, a: pairs.clipAId, b: pairs.clipBId })
    .from(pairs)
    .where(
      and(
        eq(pairs.runId, runId),
        eq(pairs.status, 'pending'),
        isNotNull(pairs.checkpointId),
        ne(pairs.checkpointId, currentCheckpointId),
        isNull(pairs.goldChoice),
        unlabeled,
        notLeased,
      ),
    );
  // A pair label.next is leasing right now is left for the next commit (its row is locked: skipped);
  // the delete reads the condition again on the rows now locked, so a lease or label committed
  // since the select keeps its pair.
  const ids = await lockPairsSkippingLocked(tx, stale.map((p) => p.id));
  if (ids.length === 0) return 0;
  const deleted = await tx
    .delete(pairs)
    .where(and(inArray(pairs.id, ids), unlabeled, notLeased))
    .returning({ id: pairs.id, a: pairs.clipAId, b: pairs.clipBId });
  if (deleted.length === 0) return 0;
  const clipIds = deleted.flatMap((p) => [p.a, p.b]);
  // Only clips no remaining pair points at (a clip belongs to one pair here, but be exact).
  await tx
    .delete(clips)
    .where(and(inArray(clips.id, clipIds), sql`not exists (select 1 from ${pairs} where ${pairs.clipAId} = ${clips.id} or ${pairs.clipBId} = ${clips.id})`));
  return deleted.length;
}

/** Reports a problem on the run (shown to researchers); the message is kept until the next one. */
export async function recordRunError(db: Db, runId: number, message: string, now: number): Promise<void> {
  await rowLockTx(db, (tx) => tx.update(runs).set({ lastError: message, lastErrorAt: now }).where(eq(runs.id, runId)));
}

/** Stops the run (final: the run page says to start a new one) with `message` as its last error. */
export async function stopRunWithError(db: Db, runId: number, message: string, now: number): Promise<void> {
  await rowLockTx(db, (tx) => tx.update(runs).set({ status: 'stopped', lastError: message, lastErrorAt: now, updatedAt: now }).where(eq(runs.id, runId)));
}

export async function latestMetric(db: Db, runId: number, name: string): Promise<{ iteration: number; value: number } | undefined> {
  return firstRow(
    db
    .select({ iteration: metrics.iteration, value: metrics.value })
    .from(metrics)
    .where(and(eq(metrics.runId, runId), eq(metrics.name, name)))
    .orderBy(desc(metrics.iteration), desc(metrics.id))
    .limit(1),
  );
}

/** How many usable labels of the run (id in (afterId, upToId]) arrived, and over what span of submission times. */
export async function labelArrival(db: Db, runId: number, afterId: number, upToId: number): Promise<{ count: number; spanMs: number }> {
  const row = await firstRow(db
    .select({ count: sql<number>`count(*)`, first: sql<number | null>`min(${labels.createdAt})`, last: sql<number | null>`max(${labels.createdAt})` })
    .from(labels)
    .innerJoin(pairs, eq(pairs.id, labels.pairId))
    .where(and(eq(pairs.runId, runId), isNotNull(labels.y), isNull(labels.undoneAt), gt(labels.id, afterId), lte(labels.id, upToId))));
  return { count: row?.count ?? 0, spanMs: row?.first != null && row.last != null ? row.last - row.first : 0 };
}
