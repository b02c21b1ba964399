import { getAnyEnv } from '@/trainer/envs';
import type { Frame } from '@/trainer/envs/types';

export type RenderedClip = { ok: true; frames: Frame[] } | { ok: false; error: string };

const TRAIL = { stroke: 'rgba(21, 101, 192, 0.45)', width: 0.12, startRadius: 0.14 };

/**
 * Renders every stored state of a clip with its environment's own `render`, once, up front:
 * playback, scrubbing and stepping then only draw ready frames. Environments with a
 * `trailPoint` (grid5) get the path so far drawn into each frame: a ring where the clip started
 * and a line through every state up to the current one.
 */
export function renderClip(envId: string, states: readonly unknown[]): RenderedClip {
  try {
    const env = getAnyEnv(envId);
    if (states.length === 0) return { ok: false, error: 'This clip has no frames.' };
    const frames = states.map((s) => env.render(s));
    const point = env.trailPoint;
    if (point) {
      const path = states.map((s) => point(s));
      frames.forEach((frame, t) => {
        const [x, y] = path[0]!;
        frame.items.push({ kind: 'circle', x, y, r: TRAIL.startRadius, stroke: TRAIL.stroke });
        if (t > 0) frame.items.push({ kind: 'polyline', points: path.slice(0, t + 1), stroke: TRAIL.stroke, width: TRAIL.width });
      });
    }
    return { ok: true, frames };
  } catch (error) {
    return { ok: false, error: `Cannot draw this clip: ${error instanceof Error ? error.message : String(error)}` };
  }
}
