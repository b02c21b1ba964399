'use client';

import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';
import { ClipPlayer } from './ClipPlayer';
import { renderClip } from './renderClip';
import {
  SPEEDS, advance, frameIndex, initialClock, seek, step, togglePlaying, type ClockState, type Speed,
} from './playbackClock';

export interface PairClip {
  envId: string;
  states: unknown[];
}

export interface PairViewHandle {
  togglePlay(): void;
  /** One frame back or forward (pauses, as the buttons do). */
  stepFrame(delta: number): void;
  /** One speed slower or faster within SPEEDS. */
  changeSpeed(delta: number): void;
}

interface PairViewProps {
  left: PairClip;
  right: PairClip;
  /** Only the active pair runs its clock; a prefetched pair sits drawn at frame 0, ready. */
  active: boolean;
  handleRef?: Ref<PairViewHandle>;
}

/** Stops a control from taking keyboard focus on click, so Space and the arrows stay the page's. */
const keepFocus = (e: React.MouseEvent) => e.preventDefault();

/**
 * Two clips side by side driven by ONE clock: a single requestAnimationFrame loop advances one
 * frame index that both players draw, so the clips stay in lockstep at any speed, when paused,
 * scrubbed or stepped.
 */
export function PairView({ left, right, active, handleRef }: PairViewProps) {
  const leftClip = useMemo(() => renderClip(left.envId, left.states), [left]);
  const rightClip = useMemo(() => renderClip(right.envId, right.states), [right]);
  const frameCount = Math.max(left.states.length, right.states.length, 1);
  const [clock, setClock] = useState<ClockState>(() => initialClock(frameCount));
  const clockRef = useRef(clock);
  clockRef.current = clock;

  const update = useCallback((fn: (c: ClockState) => ClockState) => setClock((c) => fn(c)), []);
  useImperativeHandle(handleRef, () => ({
    togglePlay: () => update(togglePlaying),
    stepFrame: (delta: number) => update((c) => step(c, delta)),
    changeSpeed: (delta: number) => update((c) => {
      const i = SPEEDS.indexOf(c.speed);
      return { ...c, speed: SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, i + delta))]! };
    }),
  }), [update]);

  useEffect(() => {
    if (!active || !clock.playing) return;
    let last = performance.now();
    let raf = requestAnimationFrame(function tick(now) {
      const next = advance(clockRef.current, now - last);
      last = now;
      // Re-render only when the shown frame (or play state) changes, not 60 times a second.
      if (frameIndex(next) !== frameIndex(clockRef.current) || next.playing !== clockRef.current.playing) {
        setClock(next);
      } else {
        clockRef.current = next; // keep the fractional position without a render
      }
      raf = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(raf);
  }, [active, clock.playing]);

  const shown = frameIndex(clock);
  return (
    <div className="pair">
      <div className="pair-clips">
        <ClipPlayer clip={leftClip} frame={shown} label="Left clip" />
        <ClipPlayer clip={rightClip} frame={shown} label="Right clip" />
      </div>
      <div className="player-controls" aria-label="Playback">
        <button type="button" onMouseDown={keepFocus} onClick={() => update(togglePlaying)} aria-label={clock.playing ? 'Pause' : 'Play'}>
          {clock.playing ? '❚❚ Pause' : '▶ Play'} <kbd>Space</kbd>
        </button>
        <button type="button" onMouseDown={keepFocus} onClick={() => update((c) => step(c, -1))} aria-label="Previous frame">‹ Frame</button>
        <button type="button" onMouseDown={keepFocus} onClick={() => update((c) => step(c, 1))} aria-label="Next frame">Frame ›</button>
        <input
          type="range"
          className="scrub"
          aria-label="Scrub"
          min={0}
          max={frameCount - 1}
          step={1}
          value={shown}
          onChange={(e) => update((c) => ({ ...seek(c, Number(e.target.value)), playing: false }))}
          onKeyDown={(e) => e.preventDefault() /* arrows label pairs; the slider moves by mouse */}
        />
        <span className="frame-counter">{shown + 1}/{frameCount}</span>
        <span className="speed-group" role="group" aria-label="Speed">
          {SPEEDS.map((s: Speed) => (
            <button
              key={s}
              type="button"
              onMouseDown={keepFocus}
              aria-pressed={clock.speed === s}
              className={clock.speed === s ? 'on' : undefined}
              onClick={() => update((c) => ({ ...c, speed: s }))}
            >
              {s}x
            </button>
          ))}
        </span>
        <button type="button" onMouseDown={keepFocus} aria-pressed={clock.loop} className={clock.loop ? 'on' : undefined}
          onClick={() => update((c) => ({ ...c, loop: !c.loop }))}>
          ⟲ Loop
        </button>
      </div>
    </div>
  );
}
