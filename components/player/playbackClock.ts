/**
 * The one clock that drives both clips of a pair. Pure: the rAF loop feeds it elapsed
 * milliseconds, and both canvases draw `frameIndex(clock)`, so the clips can never drift apart.
 */
export const PLAYBACK_FPS = 10; // clip frames per second at 1x: slow enough to judge a 25-step clip
export const SPEEDS = [0.5, 1, 2, 4] as const;
export type Speed = (typeof SPEEDS)[number];

export interface ClockState {
  /** Position in frames (fractional); the shown frame is its floor. */
  position: number;
  /** Frames in the longer clip; the shorter one holds its last frame. */
  frameCount: number;
  playing: boolean;
  loop: boolean;
  speed: Speed;
}

export function initialClock(frameCount: number): ClockState {
  return { position: 0, frameCount: Math.max(1, frameCount), playing: true, loop: true, speed: 1 };
}

/** Pause a beat on the last frame before looping, so the end state can be seen. */
export const LOOP_HOLD_FRAMES = 5;

export function advance(clock: ClockState, elapsedMs: number): ClockState {
  if (!clock.playing || elapsedMs <= 0) return clock;
  const last = clock.frameCount - 1;
  const position = clock.position + (elapsedMs / 1000) * PLAYBACK_FPS * clock.speed;
  if (clock.loop) {
    const period = clock.frameCount + LOOP_HOLD_FRAMES;
    return { ...clock, position: position % period };
  }
  // Not looping: stop on the last frame.
  return position >= last ? { ...clock, position: last, playing: false } : { ...clock, position };
}

export function frameIndex(clock: ClockState): number {
  return Math.min(clock.frameCount - 1, Math.max(0, Math.floor(clock.position)));
}

/** The frame a clip of `length` frames shows at the shared index: it holds its last frame. */
export function clipFrame(sharedIndex: number, length: number): number {
  return Math.max(0, Math.min(sharedIndex, length - 1));
}

export function seek(clock: ClockState, frame: number): ClockState {
  return { ...clock, position: Math.min(clock.frameCount - 1, Math.max(0, Math.round(frame))) };
}

export function step(clock: ClockState, delta: number): ClockState {
  // Stepping pauses: a frame step is a request to look at one frame.
  return { ...seek(clock, frameIndex(clock) + delta), playing: false };
}

export function togglePlaying(clock: ClockState): ClockState {
  if (clock.playing) return { ...clock, playing: false };
  // Play at the end of a non-looping clip restarts it instead of doing nothing.
  const atEnd = frameIndex(clock) >= clock.frameCount - 1;
  return { ...clock, playing: true, position: atEnd && !clock.loop ? 0 : clock.position };
}
