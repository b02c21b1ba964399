import { describe, expect, it } from 'vitest';
import type { Frame } from '@/trainer/envs/types';
import { grid5 } from '@/trainer/envs/grid5';
import { drawFrame, type Canvas2D } from './drawFrame';

/** A fake 2D context that records the calls a frame makes, with the style in force at each. */
function recorder() {
  const calls: Array<{ op: string; args: number[]; fillStyle?: string }> = [];
  const ctx: Record<string, unknown> = { fillStyle: '', strokeStyle: '', lineWidth: 1, font: '', textAlign: 'left', textBaseline: 'alphabetic', lineJoin: 'miter', lineCap: 'butt' };
  for (const op of ['save', 'restore', 'setTransform', 'clearRect', 'fillRect', 'strokeRect', 'beginPath', 'closePath', 'moveTo', 'lineTo', 'arc', 'fill', 'stroke', 'fillText', 'translate', 'rotate']) {
    ctx[op] = (...args: unknown[]) => calls.push({ op, args: args.filter((a): a is number => typeof a === 'number'), fillStyle: ctx.fillStyle as string });
  }
  return { ctx: ctx as unknown as Canvas2D, calls };
}

describe('drawFrame', () => {
  it('puts the grid5 agent in its cell: row 0 at the top of the canvas, column 4 at the right', () => {
    const { ctx, calls } = recorder();
    drawFrame(ctx, grid5.render({ row: 0, col: 4 }), 500, 500);
    const arc = calls.find((c) => c.op === 'arc')!;
    // 100 px per cell; the top-right cell's centre is (450, 50); radius 0.3 cells.
    expect(arc.args.slice(0, 3).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([450, 50, 30]);
  });

  it('fills the background only inside the fitted viewport and centres it', () => {
    const { ctx, calls } = recorder();
    const frame: Frame = { viewport: { xMin: 0, xMax: 1, yMin: 0, yMax: 1 }, background: '#fff', items: [] };
    drawFrame(ctx, frame, 300, 100);
    expect(calls.find((c) => c.op === 'fillRect')!.args).toEqual([100, 0, 100, 100]);
  });

  it('turns a rectangle about its centre, counter-clockwise in the world (clockwise on the canvas)', () => {
    const { ctx, calls } = recorder();
    const frame: Frame = {
      viewport: { xMin: -1, xMax: 1, yMin: -1, yMax: 1 },
      items: [{ kind: 'rect', x: -0.1, y: 0, w: 0.2, h: 1, fill: '#f80', angle: 0.5 }],
    };
    drawFrame(ctx, frame, 200, 200);
    const translate = calls.find((c) => c.op === 'translate')!;
    expect(translate.args.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([100, 50]); // centre (0, 0.5) in the world
    expect(calls.find((c) => c.op === 'rotate')!.args).toEqual([-0.5]);
    expect(calls.find((c) => c.op === 'fillRect')!.args.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([-10, -50, 20, 100]);
  });

  it('scales line widths with the world, never below one pixel', () => {
    const { ctx } = recorder();
    const frame: Frame = {
      viewport: { xMin: 0, xMax: 10, yMin: 0, yMax: 10 },
      items: [{ kind: 'line', x1: 0, y1: 0, x2: 10, y2: 10, stroke: '#000', width: 0.5 }],
    };
    drawFrame(ctx, frame, 100, 100);
    expect((ctx as unknown as { lineWidth: number }).lineWidth).toBe(5);
    drawFrame(ctx, { ...frame, items: [{ ...frame.items[0]!, width: 0.001 } as Frame['items'][number]] }, 100, 100);
    expect((ctx as unknown as { lineWidth: number }).lineWidth).toBe(1);
  });

  it('draws a capsule as a round-capped stroke of width 2r between its end points, in its fill colour', () => {
    const { ctx, calls } = recorder();
    const frame: Frame = {
      viewport: { xMin: 0, xMax: 4, yMin: 0, yMax: 2 },
      items: [{ kind: 'capsule', x1: 1, y1: 0.5, x2: 3, y2: 1.5, r: 0.25, fill: '#0a0' }],
    };
    drawFrame(ctx, frame, 400, 200); // 100 px per world unit, y flipped
    expect(calls.find((c) => c.op === 'moveTo')!.args).toEqual([100, 150]);
    expect(calls.find((c) => c.op === 'lineTo')!.args).toEqual([300, 50]);
    const state = ctx as unknown as { lineWidth: number; lineCap: string; strokeStyle: string };
    expect([state.lineWidth, state.lineCap, state.strokeStyle]).toEqual([50, 'round', '#0a0']);
    expect(calls.filter((c) => c.op === 'stroke')).toHaveLength(1);
  });
});
