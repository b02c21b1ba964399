import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { evaluatePolicy, softValueIteration } from '../tabular/soft';
import { riverswim, RIVERSWIM_LENGTH } from './riverswim';

const { model } = riverswim.tabular!;
const S = RIVERSWIM_LENGTH, A = 2;
const row = (s: number, a: number) => Array.from(model.transitions.subarray((s * A + a) * S, (s * A + a + 1) * S));

describe('riverswim', () => {
  it('swims left deterministically and right against the current, row by row as documented', () => {
    expect(row(0, 0)).toEqual([1, 0, 0, 0, 0, 0]);
    expect(row(3, 0)).toEqual([0, 0, 1, 0, 0, 0]);
    expect(row(0, 1)).toEqual([0.6, 0.4, 0, 0, 0, 0]);
    expect(row(2, 1)).toEqual([0, 0.05, 0.6, 0.35, 0, 0]);
    expect(row(5, 1)).toEqual([0, 0, 0, 0, 0.05, 0.95]);
  });

  it('pays 0.05 on the near bank, 1 on the far bank, 0 between, for either action', () => {
    const want = [0.05, 0, 0, 0, 0, 1];
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < A; a++) {
        expect(model.trueReward[s * A + a]).toBe(want[s]);
        expect(riverswim.step({ pos: s }, a, makeRng(s)).reward).toBe(want[s]);
      }
    }
  });

  it('is a trap: from the near bank the soft-optimal policy swims right, and staying pays far less', () => {
    const mdp = { S, A, P: model.transitions, gamma: 0.9, tau: 0.1 };
    const { pi } = softValueIteration(mdp, model.trueReward, { tol: 0 });
    expect(pi[1]).toBeGreaterThan(0.8); // state 0, action right
    const rho = new Float64Array(S); rho[0] = 1;
    const stay = new Float64Array(S * A); for (let s = 0; s < S; s++) stay[s * A] = 1; // always left
    // Always left from state 0: 0.05 per step forever, 0.05 / (1 - 0.9) = 0.5 (closed form).
    expect(evaluatePolicy(mdp, stay, model.trueReward, rho)).toBeCloseTo(0.5, 12);
    expect(evaluatePolicy(mdp, pi, model.trueReward, rho)).toBeGreaterThan(4 * 0.5);
  });

  it('renders six banks-and-river cells with the swimmer in its cell', () => {
    const frame = riverswim.render({ pos: 4 });
    expect(frame.viewport).toEqual({ xMin: 0, xMax: 6, yMin: 0, yMax: 2 });
    const agent = frame.items.find((i) => i.kind === 'circle');
    expect(agent).toMatchObject({ x: 4.5 });
    expect(frame.items.filter((i) => i.kind === 'rect').length).toBe(1 + S);
    expect(() => riverswim.observe({ pos: 6 })).toThrow(/riverswim: position/);
    expect(() => riverswim.step({ pos: 0 }, 2, makeRng(0))).toThrow(/riverswim: action/);
  });
});
