import { describe, expect, it } from 'vitest';
import { actionBars } from './mujoco-env';

describe('the MuJoCo side view', () => {
  it('draws the last action as one bar per dimension: right and blue when positive, left and red when negative, as a share of the bound', () => {
    const view = { xMin: 0, xMax: 10, yMin: 0, yMax: 2 };
    const space = { low: [-1, -3], high: [1, 3], names: ['thigh', 'foot'] };
    const items = actionBars(space, [0.5, -3], view);
    const bars = items.filter((i) => i.kind === 'rect' && i.fill !== '#dfe4ea');
    expect(bars).toHaveLength(2);
    const [thigh, foot] = bars as Array<Extract<(typeof items)[number], { kind: 'rect' }>>;
    expect(thigh!.fill).toBe('#1565c0');
    expect(foot!.fill).toBe('#c62828');
    // Half a bound is half the bar's reach (0.12 of the width = 1.2); a full negative bound all of it, leftwards.
    expect(thigh!.w).toBeCloseTo(0.6, 12);
    expect(foot!.w).toBeCloseTo(1.2, 12);
    expect(foot!.x + foot!.w).toBeCloseTo(thigh!.x, 12);
    expect(items.filter((i) => i.kind === 'text').map((i) => i.kind === 'text' && i.text)).toEqual(['thigh', 'foot']);
    // A zero action draws only the tracks.
    expect(actionBars(space, [0, 0], view).filter((i) => i.kind === 'rect')).toHaveLength(2);
  });
});
