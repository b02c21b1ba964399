import { getEnv } from '@/trainer/envs';
import type { Frame } from '@/trainer/envs/types';

export type RenderedClip = { ok: true; frames: Frame[] } | { ok: false; error: string };

/**
 * Renders every stored state of a clip with its environment's own `render`, once, up front:
 * playback, scrubbing and stepping then only draw ready frames.
 */
export function renderClip(envId: string, states: readonly unknown[]): RenderedClip {
  try {
    const env = getEnv(envId);
    if (states.length === 0) return { ok: false, error: 'This clip has no frames.' };
    return { ok: true, frames: states.map((s) => env.render(s)) };
  } catch (error) {
    return { ok: false, error: `Cannot draw this clip: ${error instanceof Error ? error.message : String(error)}` };
  }
}
