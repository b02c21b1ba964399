import { describe, expect, it } from 'vitest';
import { viewportTransform } from './viewportTransform';

describe('viewportTransform', () => {
  it('maps the corners of a square viewport centred on a wide canvas, y flipped', () => {
    const t = viewportTransform({ xMin: 0, xMax: 5, yMin: 0, yMax: 5 }, 400, 200);
    // Height limits: 200 px / 5 units = 40 px per unit, 200 px wide area centred in 400 px.
    expect(t.scale).toBe(40);
    expect([t.toX(0), t.toY(0)]).toEqual([100, 200]); // bottom-left of the world
    expect([t.toX(5), t.toY(5)]).toEqual([300, 0]); // top-right of the world
  });

  it('keeps the aspect ratio of a wide viewport on a tall canvas', () => {
    const t = viewportTransform({ xMin: -2.4, xMax: 2.4, yMin: -0.6, yMax: 1.8 }, 300, 600);
    // Width limits: 300 / 4.8 px per unit; the 2.4-unit-high world takes 150 px, centred in 600.
    expect(t.scale).toBeCloseTo(300 / 4.8, 12);
    expect(t.toX(-2.4)).toBeCloseTo(0, 12);
    expect(t.toX(2.4)).toBeCloseTo(300, 12);
    expect(t.toY(1.8)).toBeCloseTo(225, 12);
    expect(t.toY(-0.6)).toBeCloseTo(375, 12);
    // Equal world distances give equal pixel distances on both axes.
    expect(t.toX(1) - t.toX(0)).toBeCloseTo(t.toY(0) - t.toY(1), 12);
  });

  it('refuses an empty viewport with a message naming it', () => {
    expect(() => viewportTransform({ xMin: 1, xMax: 1, yMin: 0, yMax: 1 }, 10, 10)).toThrow(/positive width/);
  });
});
