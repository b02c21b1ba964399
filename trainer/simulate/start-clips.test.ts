import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { getEnv } from '../envs';
import { parseStart } from '../envs/start';
import { makeTabularSetup, sampleTabularSegment } from '../algorithms/tabular-rlhf';

/** First states of 400 clips of the uniform policy, as state indices. */
function clipStarts(envId: string, start: string): number[] {
  const env = getEnv(envId);
  const setup = makeTabularSetup(env, 0.9, 0.1, 'state', parseStart(start, env));
  const { S, A } = setup.mdp;
  const pi = new Float64Array(S * A).fill(1 / A);
  const rng = makeRng(1);
  return Array.from({ length: 400 }, () => env.tabular!.stateIndex(sampleTabularSegment(setup, pi, 5, rng).states[0]));
}

describe('--start changes where clips start', () => {
  it.each(['grid5', 'fourrooms', 'riverswim'])('%s: far puts every clip start on farStart; uniform spreads them over all states', (envId) => {
    const env = getEnv(envId);
    const S = env.tabular!.model.numStates;
    const far = clipStarts(envId, 'far');
    expect(new Set(far)).toEqual(new Set([env.tabular!.farStart]));
    const uniform = clipStarts(envId, 'uniform');
    // 400 uniform draws over S <= 40 states: every state appears (P(miss one) < 40 * e^-10).
    expect(new Set(uniform).size).toBe(S);
    const share = uniform.filter((s) => s === env.tabular!.farStart).length / uniform.length;
    expect(share).toBeLessThan(0.35);
  });

  it('a numbered start state is used as given, and the evaluation starts there too', () => {
    expect(new Set(clipStarts('grid5', '12'))).toEqual(new Set([12]));
    const env = getEnv('grid5');
    const setup = makeTabularSetup(env, 0.9, 0.1, 'state', parseStart('12', env));
    expect(setup.rho[12]).toBe(1);
    expect(setup.rho.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
