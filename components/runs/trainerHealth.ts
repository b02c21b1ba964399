import type { TrainerHealth } from '@/db/heartbeat';
import { timeAgo } from './timeAgo';

/**
 * "trainer: healthy · last seen just now", "trainer: down · last seen 2 min ago (shut down)",
 * "trainer: never started …"; with several trainer processes on the database, how many are
 * healthy leads: "trainers: 2 of 3 healthy · last seen just now" (the freshest healthy one).
 */
export function trainerHealthText(health: Pick<TrainerHealth, 'state' | 'lastSeenAt' | 'stoppedAt'> & Partial<Pick<TrainerHealth, 'trainers'>>, now: number): string {
  if (health.state === 'never' || health.lastSeenAt === null) return 'trainer: never started on this database';
  const seen = `last seen ${timeAgo(health.lastSeenAt, now)}`;
  const trainers = health.trainers ?? [];
  if (trainers.length > 1) {
    const healthy = trainers.filter((t) => t.state === 'healthy').length;
    return `trainers: ${healthy} of ${trainers.length} healthy · ${seen}`;
  }
  if (health.state === 'healthy') return `trainer: healthy · ${seen}`;
  return `trainer: down · ${seen}${health.stoppedAt !== null ? ' (shut down)' : ''}`;
}

/** One trainer's line for the tooltip: "b (pid 412, neural): healthy, 2 runs". */
export function trainerLine(t: TrainerHealth['trainers'][number]): string {
  const engines = t.engines ? `, ${t.engines.join('+')}` : '';
  return `${t.trainerId} (pid ${t.pid}${engines}): ${t.state}, ${t.heldRuns} run${t.heldRuns === 1 ? '' : 's'}`;
}
