import { describe, expect, it } from 'vitest';
import { divergingColor, maxAbs, stateValues } from './heatmap';

describe('heat map values and colours', () => {
  const table = [1, 3, -2, 0, 5, 5]; // S = 3, A = 2
  it('takes one action column or the mean over actions', () => {
    expect(stateValues(table, 3, 2, null)).toEqual([2, -1, 5]);
    expect(stateValues(table, 3, 2, 1)).toEqual([3, 0, 5]);
    expect(maxAbs(table)).toBe(5);
  });
  it('is white at 0, full green at +scale, full red at -scale, clamped beyond', () => {
    expect(divergingColor(0, 2)).toBe('rgb(255, 255, 255)');
    expect(divergingColor(2, 2)).toBe('rgb(46, 125, 50)');
    expect(divergingColor(-9, 2)).toBe('rgb(198, 40, 40)');
    expect(divergingColor(1, 0)).toBe('rgb(255, 255, 255)');
  });
});
