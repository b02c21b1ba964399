import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { cartpole } from './cartpole';
import { fourrooms, FOURROOMS_FAR_START } from './fourrooms';
import { grid5 } from './grid5';
import { riverswim } from './riverswim';
import { drawStart, formatStart, parseStart, startDistribution, StartError, UNIFORM_START } from './start';

describe('start distributions', () => {
  it("parses 'uniform', 'far' and a state index, and formats them back", () => {
    expect(parseStart('uniform', grid5)).toEqual({ kind: 'uniform' });
    expect(parseStart('far', grid5)).toEqual({ kind: 'state', index: 0 });
    expect(parseStart('far', fourrooms)).toEqual({ kind: 'state', index: FOURROOMS_FAR_START });
    expect(parseStart('far', riverswim)).toEqual({ kind: 'state', index: 0 });
    expect(parseStart('17', grid5)).toEqual({ kind: 'state', index: 17 });
    for (const text of ['uniform', 'far', '17']) expect(formatStart(parseStart(text, grid5), grid5)).toBe(text);
  });

  it('rejects a state outside the env, a non-integer and a non-tabular env, naming the field', () => {
    for (const bad of ['25', '-1', '2.5', 'corner', '']) {
      expect(() => parseStart(bad, grid5)).toThrow(StartError);
      expect(() => parseStart(bad, grid5)).toThrow(/^start: /);
    }
    expect(() => parseStart('6', riverswim)).toThrow(/\[0, 5\]/);
    expect(() => parseStart('far', cartpole)).toThrow(/not tabular/);
    expect(() => startDistribution(grid5, { kind: 'state', index: 30 })).toThrow(StartError);
  });

  it('gives rho: uniform, or all mass on the start state', () => {
    expect(Array.from(startDistribution(grid5, UNIFORM_START))).toEqual(new Array(25).fill(1 / 25));
    const rho = startDistribution(fourrooms, { kind: 'state', index: 3 });
    expect(rho.reduce((a, b) => a + b, 0)).toBe(1);
    expect(rho[3]).toBe(1);
  });

  it('draws every clip start from the chosen state, and uniform starts as env.reset does', () => {
    const fixed = { kind: 'state', index: 7 } as const;
    const rng = makeRng(3);
    for (let i = 0; i < 50; i++) expect(grid5.tabular!.stateIndex(drawStart(grid5, fixed, rng))).toBe(7);
    // Uniform: the same stream as env.reset (so runs without --start are unchanged).
    const a = makeRng(11), b = makeRng(11);
    for (let i = 0; i < 50; i++) expect(drawStart(grid5, UNIFORM_START, a)).toEqual(grid5.reset(b));
  });
});
