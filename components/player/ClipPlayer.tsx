'use client';

import { useEffect, useRef } from 'react';
import type { RenderedClip } from './renderClip';
import { drawFrame } from './drawFrame';
import { clipFrame } from './playbackClock';

interface ClipPlayerProps {
  clip: RenderedClip;
  /** The pair's shared frame index; a shorter clip holds its last frame. */
  frame: number;
  /** Accessible name, e.g. "Left clip". */
  label: string;
}

/**
 * One clip on a canvas. It owns no clock: the pair view passes the shared frame index, so two
 * players always show the same moment. The canvas follows its box size (ResizeObserver) times
 * devicePixelRatio, so drawings stay sharp on any screen.
 */
export function ClipPlayer({ clip, frame, label }: ClipPlayerProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  // The draw routine reads the latest props through a ref so the resize observer never redraws a stale frame.
  const drawRef = useRef<() => void>(() => {});

  drawRef.current = () => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !clip.ok || canvas.width === 0 || canvas.height === 0) return;
    const f = clip.frames[clipFrame(frame, clip.frames.length)];
    if (f) drawFrame(ctx, f, canvas.width, canvas.height);
  };

  useEffect(() => drawRef.current(), [clip, frame]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const fit = () => {
      const dpr = window.devicePixelRatio || 1;
      const { width, height } = canvas.getBoundingClientRect();
      const w = Math.round(width * dpr), h = Math.round(height * dpr);
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      drawRef.current();
    };
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(canvas);
    return () => observer.disconnect();
  }, [clip.ok]);

  if (!clip.ok) {
    return (
      <div className="clip clip-error" role="alert" aria-label={label}>
        {clip.error}
      </div>
    );
  }
  const shown = clipFrame(frame, clip.frames.length);
  return (
    <figure className="clip">
      <canvas ref={canvasRef} className="clip-canvas" role="img" aria-label={label} data-frame={shown} />
      <figcaption className="clip-caption">
        {label} · frame {shown + 1}/{clip.frames.length}
        {frame >= clip.frames.length ? ' (ended)' : ''}
      </figcaption>
    </figure>
  );
}
