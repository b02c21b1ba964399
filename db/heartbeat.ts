import { desc } from 'drizzle-orm';
import type { Db } from './client';
import { trainerHeartbeats } from './schema';
import { writeTx } from './transactions';

/**
 * The trainer's heartbeat, in the database so every web replica reads the same truth (a dead
 * trainer cannot report itself; a missing beat can). The trainer writes one row every
 * HEARTBEAT_MS; a trainer is healthy while its last beat is younger than HEALTHY_WITHIN_MS
 * (a few beats, so one delayed by a long computation slice does not flap the page).
 */
export const HEARTBEAT_MS = 2_000;
export const HEALTHY_WITHIN_MS = 10_000;

export type TrainerState = 'healthy' | 'down' | 'never';

export interface TrainerHealth {
  state: TrainerState;
  /** ms since the epoch of the newest beat; null when no trainer ever ran on this database. */
  lastSeenAt: number | null;
  /** Set when the newest trainer shut down cleanly. */
  stoppedAt: number | null;
  pid: number | null;
}

export async function writeHeartbeat(db: Db, beat: { trainerId: string; pid: number; startedAt: number; now: number; activeRuns: number }): Promise<void> {
  await writeTx(db, (tx) =>
    tx.insert(trainerHeartbeats)
      .values({ trainerId: beat.trainerId, pid: beat.pid, startedAt: beat.startedAt, beatAt: beat.now, activeRuns: beat.activeRuns, stoppedAt: null })
      .onConflictDoUpdate({
        target: trainerHeartbeats.trainerId,
        set: { pid: beat.pid, startedAt: beat.startedAt, beatAt: beat.now, activeRuns: beat.activeRuns, stoppedAt: null },
      }),
  );
}

export async function markTrainerStopped(db: Db, trainerId: string, now: number): Promise<void> {
  await writeTx(db, (tx) =>
    tx.insert(trainerHeartbeats)
      .values({ trainerId, pid: process.pid, startedAt: now, beatAt: now, stoppedAt: now })
      .onConflictDoUpdate({ target: trainerHeartbeats.trainerId, set: { stoppedAt: now } }),
  );
}

/** The newest trainer's health as of `now`. */
export async function trainerHealth(db: Db, now: number): Promise<TrainerHealth> {
  const [row] = await db.select().from(trainerHeartbeats).orderBy(desc(trainerHeartbeats.beatAt)).limit(1);
  if (!row) return { state: 'never', lastSeenAt: null, stoppedAt: null, pid: null };
  const healthy = row.stoppedAt === null && now - row.beatAt < HEALTHY_WITHIN_MS;
  return { state: healthy ? 'healthy' : 'down', lastSeenAt: row.beatAt, stoppedAt: row.stoppedAt, pid: row.pid };
}
