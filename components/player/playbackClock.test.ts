import { describe, expect, it } from 'vitest';
import {
  LOOP_HOLD_FRAMES, PLAYBACK_FPS, advance, clipFrame, frameIndex, initialClock, seek, step, togglePlaying,
} from './playbackClock';

describe('playback clock', () => {
  it('advances speed x PLAYBACK_FPS frames per second', () => {
    let c = initialClock(100);
    c = advance(c, 1000);
    expect(frameIndex(c)).toBe(PLAYBACK_FPS);
    c = advance({ ...c, speed: 4 }, 500);
    expect(frameIndex(c)).toBe(PLAYBACK_FPS + 2 * PLAYBACK_FPS);
    c = advance({ ...c, speed: 0.5 }, 1000);
    expect(frameIndex(c)).toBe(3 * PLAYBACK_FPS + PLAYBACK_FPS / 2);
  });

  it('summing many small rAF ticks gives the same frame as one long tick', () => {
    let small = initialClock(1000);
    for (let i = 0; i < 120; i++) small = advance(small, 1000 / 60);
    const big = advance(initialClock(1000), 2000);
    expect(frameIndex(small)).toBe(frameIndex(big));
  });

  it('loops after holding the last frame, and stops there when not looping', () => {
    const frames = 12;
    const toEndMs = ((frames - 1) / PLAYBACK_FPS) * 1000;
    const looping = advance(initialClock(frames), toEndMs + 100);
    expect(frameIndex(looping)).toBe(frames - 1); // held
    const wrapped = advance(initialClock(frames), ((frames + LOOP_HOLD_FRAMES + 1) / PLAYBACK_FPS) * 1000);
    expect(frameIndex(wrapped)).toBe(1);
    const once = advance({ ...initialClock(frames), loop: false }, toEndMs * 3);
    expect(frameIndex(once)).toBe(frames - 1);
    expect(once.playing).toBe(false);
    expect(frameIndex(togglePlaying(once))).toBe(0); // play at the end restarts
  });

  it('a paused clock does not move; step pauses and clamps; seek clamps', () => {
    const paused = { ...initialClock(10), playing: false };
    expect(advance(paused, 5000)).toBe(paused);
    expect(frameIndex(step(initialClock(10), -1))).toBe(0);
    const stepped = step(seek(initialClock(10), 9), 1);
    expect(frameIndex(stepped)).toBe(9);
    expect(stepped.playing).toBe(false);
    expect(frameIndex(seek(initialClock(10), 42))).toBe(9);
  });

  it('the shorter clip holds its last frame at the shared index', () => {
    expect(clipFrame(3, 13)).toBe(3);
    expect(clipFrame(20, 13)).toBe(12);
    expect(clipFrame(0, 1)).toBe(0);
  });
});
