import type { TrainerHealth } from '@/db/heartbeat';
import { timeAgo } from './timeAgo';

/** "trainer: healthy · last seen just now", "trainer: down · last seen 2 min ago (shut down)", "trainer: never started …". */
export function trainerHealthText(health: Pick<TrainerHealth, 'state' | 'lastSeenAt' | 'stoppedAt'>, now: number): string {
  if (health.state === 'never' || health.lastSeenAt === null) return 'trainer: never started on this database';
  const seen = `last seen ${timeAgo(health.lastSeenAt, now)}`;
  if (health.state === 'healthy') return `trainer: healthy · ${seen}`;
  return `trainer: down · ${seen}${health.stoppedAt !== null ? ' (shut down)' : ''}`;
}
