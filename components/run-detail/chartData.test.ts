import { describe, expect, it } from 'vitest';
import { chartLines, mergeSeries, pointCount, type RunPoints } from './chartData';

describe('mergeSeries', () => {
  it('makes one row per iteration with a column per line, leaving gaps empty', () => {
    const rows = mergeSeries([
      { key: 'a', points: [{ iteration: 2, value: 0.5 }, { iteration: 0, value: 1 }] },
      { key: 'b', points: [{ iteration: 1, value: 3 }, { iteration: 2, value: 4 }, { iteration: 3, value: Number.NaN }] },
    ]);
    expect(rows).toEqual([{ iteration: 0, a: 1 }, { iteration: 1, b: 3 }, { iteration: 2, a: 0.5, b: 4 }]);
  });
});

describe('chartLines', () => {
  const runs: RunPoints[] = [
    { runId: 3, runLabel: '#3 sobirl', series: { 'return/true': [{ iteration: 1, value: 2 }], 'return/learned': [{ iteration: 1, value: 5 }] } },
    { runId: 4, runLabel: '#4 drlhf', series: { 'return/true': [{ iteration: 1, value: 1 }] } },
  ];

  it('colours metrics and dashes compared runs when a chart has several metrics', () => {
    const lines = chartLines([{ name: 'return/true', label: 'true' }, { name: 'return/learned', label: 'learned', axis: 'right' }], runs);
    expect(lines.map((l) => [l.key, l.label, l.dashed, l.axis])).toEqual([
      ['r3:return/true', '#3 sobirl · true', false, 'left'],
      ['r3:return/learned', '#3 sobirl · learned', false, 'right'],
      ['r4:return/true', '#4 drlhf · true', true, 'left'],
      ['r4:return/learned', '#4 drlhf · learned', true, 'right'],
    ]);
    expect(lines[0]!.color).toBe(lines[2]!.color);
    expect(lines[0]!.color).not.toBe(lines[1]!.color);
    expect(pointCount(lines)).toBe(3);
  });

  it('colours runs when a chart has one metric', () => {
    const lines = chartLines([{ name: 'return/true', label: 'true' }], runs);
    expect(lines.map((l) => l.label)).toEqual(['#3 sobirl', '#4 drlhf']);
    expect(lines[0]!.color).not.toBe(lines[1]!.color);
    expect(lines.every((l) => !l.dashed)).toBe(true);
  });
});
