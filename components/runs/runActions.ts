import type { RunStatus } from '@/db/schema';

export type RunAction = 'pause' | 'resume' | 'stop';

/**
 * The buttons a run's row offers: the same transitions `runs.pause/resume/stop` accept
 * (server/routers/runs.ts, which the browser bundle cannot import because it opens the
 * database). A stopped run is final, so it offers none. The server stays the judge: a button
 * shown on a stale row gets a CONFLICT answer in words.
 */
const ALLOWED: Record<RunStatus, readonly RunAction[]> = {
  active: ['pause', 'stop'],
  paused: ['resume', 'stop'],
  stopped: [],
};

export function allowedActions(status: RunStatus): readonly RunAction[] {
  return ALLOWED[status];
}

export const ACTION_LABELS: Record<RunAction, string> = { pause: 'Pause', resume: 'Resume', stop: 'Stop' };
