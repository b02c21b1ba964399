import { desc, gt } from 'drizzle-orm';
import type { Db } from './client';
import { trainerHeartbeats } from './schema';
import { rowLockTx } from './transactions';

/**
 * The trainer's heartbeat, in the database so every web replica reads the same truth (a dead
 * trainer cannot report itself; a missing beat can). The trainer writes one row every
 * HEARTBEAT_MS; a trainer is healthy while its last beat is younger than HEALTHY_WITHIN_MS
 * (a few beats, so one delayed by a long computation slice does not flap the page).
 */
export const HEARTBEAT_MS = 2_000;
export const HEALTHY_WITHIN_MS = 10_000;

export type TrainerState = 'healthy' | 'down' | 'never';

/** One trainer process's row, as the runs page lists it. */
export interface TrainerStatus {
  trainerId: string;
  state: Exclude<TrainerState, 'never'>;
  lastSeenAt: number;
  stoppedAt: number | null;
  pid: number;
  /** The engine kinds it takes (TRAINER_ENGINES); null: not recorded. */
  engines: string[] | null;
  /** Runs it held a lease on at its last beat. */
  heldRuns: number;
}

/**
 * Several trainer processes may share the database (each its own TRAINER_ID and row). The
 * headline fields describe the freshest HEALTHY trainer, or the freshest of all when none is:
 * "is anything training?" is what the page must answer at a glance, and one dead trainer among
 * live ones does not stop training (its runs are taken over once their leases expire). Each
 * trainer's own state is in `trainers`; which trainer holds a run is on the run's row (runs.list).
 */
export interface TrainerHealth {
  state: TrainerState;
  /** ms since the epoch of the newest beat; null when no trainer ever ran on this database. */
  lastSeenAt: number | null;
  /** Set when the newest trainer shut down cleanly. */
  stoppedAt: number | null;
  pid: number | null;
  /** Every trainer seen within LISTED_WITHIN_MS, healthy ones first, then freshest first. */
  trainers: TrainerStatus[];
}

/** A trainer not seen for this long drops off the list (a host that was retired, an old TRAINER_ID). */
export const LISTED_WITHIN_MS = 24 * 60 * 60_000;

export interface Heartbeat {
  trainerId: string;
  pid: number;
  startedAt: number;
  now: number;
  activeRuns: number;
  /** TRAINER_ENGINES as a list (omitted: not recorded). */
  engines?: readonly string[];
  /** Runs it holds a lease on (omitted: 0). */
  heldRuns?: number;
}

export async function writeHeartbeat(db: Db, beat: Heartbeat): Promise<void> {
  const row = {
    pid: beat.pid, startedAt: beat.startedAt, beatAt: beat.now, activeRuns: beat.activeRuns, stoppedAt: null,
    engines: beat.engines ? beat.engines.join(',') : null, heldRuns: beat.heldRuns ?? 0,
  };
  await rowLockTx(db, (tx) =>
    tx.insert(trainerHeartbeats)
      .values({ trainerId: beat.trainerId, ...row })
      .onConflictDoUpdate({ target: trainerHeartbeats.trainerId, set: row }),
  );
}

export async function markTrainerStopped(db: Db, trainerId: string, now: number): Promise<void> {
  await rowLockTx(db, (tx) =>
    tx.insert(trainerHeartbeats)
      .values({ trainerId, pid: process.pid, startedAt: now, beatAt: now, stoppedAt: now })
      .onConflictDoUpdate({ target: trainerHeartbeats.trainerId, set: { stoppedAt: now, heldRuns: 0 } }),
  );
}

/** The trainers' health as of `now` (see TrainerHealth for what the headline fields mean). */
export async function trainerHealth(db: Db, now: number): Promise<TrainerHealth> {
  const rows = await db.select().from(trainerHeartbeats).where(gt(trainerHeartbeats.beatAt, now - LISTED_WITHIN_MS)).orderBy(desc(trainerHeartbeats.beatAt));
  const trainers: TrainerStatus[] = rows.map((row) => ({
    trainerId: row.trainerId,
    state: row.stoppedAt === null && now - row.beatAt < HEALTHY_WITHIN_MS ? 'healthy' : 'down',
    lastSeenAt: row.beatAt,
    stoppedAt: row.stoppedAt,
    pid: row.pid,
    engines: row.engines === null ? null : row.engines.split(',').filter((e) => e !== ''),
    heldRuns: row.heldRuns,
  }));
  trainers.sort((a, b) => Number(b.state === 'healthy') - Number(a.state === 'healthy') || b.lastSeenAt - a.lastSeenAt);
  const headline = trainers[0];
  if (!headline) {
    // Nobody within the list's window: the newest row of any age still tells "down" from "never".
    const [oldest] = await db.select().from(trainerHeartbeats).orderBy(desc(trainerHeartbeats.beatAt)).limit(1);
    if (!oldest) return { state: 'never', lastSeenAt: null, stoppedAt: null, pid: null, trainers };
    return { state: 'down', lastSeenAt: oldest.beatAt, stoppedAt: oldest.stoppedAt, pid: oldest.pid, trainers };
  }
  return { state: headline.state, lastSeenAt: headline.lastSeenAt, stoppedAt: headline.stoppedAt, pid: headline.pid, trainers };
}
