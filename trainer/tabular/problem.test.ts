import { describe, expect, it } from 'vitest';
import { formatPath, parseProblem, problemToJson, ProblemError } from './problem';
import { randomProblem } from './random-problem';

const valid = () => ({
  transitions: [[[1, 0], [0.5, 0.5]], [[0, 1], [0.2, 0.8]]],
  features: [[[1, 0], [0, 1]], [[0, 0], [1, 1]]],
  x: [0.3, -0.2],
  gamma: 0.9,
  tau: 0.5,
  rho: [0.5, 0.5],
  upper: { kind: 'return', trueReward: [[1, 0], [0, 1]], l2: 0.1 } as Record<string, unknown>,
});

/** The issues reported for a problem that must be rejected. */
function issuesOf(json: unknown): string[] {
  try {
    parseProblem(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ProblemError);
    return (e as ProblemError).issues;
  }
  throw new Error('expected the problem to be rejected');
}

describe('problem file validation', () => {
  it('accepts a valid problem and flattens it to the documented layouts', () => {
    const p = parseProblem(valid());
    expect(p.mdp).toMatchObject({ S: 2, A: 2, gamma: 0.9, tau: 0.5 });
    expect(p.n).toBe(2);
    expect(Array.from(p.mdp.P)).toEqual([1, 0, 0.5, 0.5, 0, 1, 0.2, 0.8]); // P[(s*A + a)*S + s']
    expect(Array.from(p.features)).toEqual([1, 0, 0, 1, 0, 0, 1, 1]); // [(s*A + a)*n + j]
    expect(p.upper.kind).toBe('return');
  });

  it('round-trips through problemToJson', () => {
    const p = randomProblem({ seed: 1, S: 3, A: 2, n: 2, kind: 'preference', horizon: 2 });
    const back = parseProblem(JSON.parse(JSON.stringify(problemToJson(p))));
    expect(Array.from(back.mdp.P)).toEqual(Array.from(p.mdp.P));
    expect(Array.from(back.features)).toEqual(Array.from(p.features));
    expect(back.upper).toEqual(p.upper);
  });

  it('names the row of P that does not sum to 1', () => {
    const j = valid();
    j.transitions[1]![1] = [0.2, 0.73];
    expect(issuesOf(j)).toEqual(['transitions[1][1]: row sums to 0.93, must sum to 1 (tolerance 1e-6)']);
  });

  it('rejects negative probabilities, ragged arrays and wrong lengths', () => {
    const neg = valid();
    neg.transitions[0]![1] = [1.5, -0.5];
    expect(issuesOf(neg)).toContain('transitions[0][1][1]: probability -0.5 is negative');

    const ragged = valid();
    ragged.transitions[1] = [[0, 1]];
    expect(issuesOf(ragged).join('\n')).toMatch(/^transitions\[1\]: has 1 actions, expected 2.*ragged/m);

    const shortRow = valid();
    shortRow.transitions[0]![0] = [1];
    expect(issuesOf(shortRow).join('\n')).toMatch(/transitions\[0\]\[0\]: has 1 next-state probabilities, expected S = 2/);

    const raggedFeatures = valid();
    raggedFeatures.features[1]![0] = [0];
    expect(issuesOf(raggedFeatures).join('\n')).toMatch(/features\[1\]\[0\]: has 1 features, expected n = 2/);
  });

  it('rejects tau <= 0 and gamma outside [0, 1)', () => {
    expect(issuesOf({ ...valid(), tau: -0.1 })).toEqual(['tau: must be > 0 (the entropy weight), got -0.1']);
    expect(issuesOf({ ...valid(), tau: 0 })[0]).toMatch(/^tau:/);
    expect(issuesOf({ ...valid(), gamma: 1 })).toEqual(['gamma: must be in [0, 1), got 1']);
    expect(issuesOf({ ...valid(), gamma: -0.2 })[0]).toMatch(/^gamma:/);
  });

  it('rejects rho that is not a distribution', () => {
    expect(issuesOf({ ...valid(), rho: [0.5, 0.6] })).toEqual(['rho: sums to 1.1, must be a distribution summing to 1 (tolerance 1e-6)']);
    expect(issuesOf({ ...valid(), rho: [1.5, -0.5] })).toContain('rho[1]: probability -0.5 is negative');
    expect(issuesOf({ ...valid(), rho: [1] })[0]).toMatch(/^rho: has 1 entries, expected S = 2/);
  });

  it('rejects x whose dimension does not match the features', () => {
    expect(issuesOf({ ...valid(), x: [1, 2, 3] })).toEqual(['x: has 3 entries, but features have n = 2 per (s, a)']);
  });

  it('checks the upper level: kind, horizon, beta, l2, trueReward shape', () => {
    expect(issuesOf({ ...valid(), upper: { kind: 'regret' } })).toEqual(['upper.kind: kind must be "return" or "preference"']);
    const pref = (upper: Record<string, unknown>) => ({ ...valid(), upper: { kind: 'preference', trueReward: [[1, 0], [0, 1]], horizon: 2, beta: 1, ...upper } });
    expect(() => parseProblem(pref({}))).not.toThrow();
    expect(issuesOf(pref({ horizon: 0 }))[0]).toMatch(/^upper\.horizon: must be a whole number of steps >= 1/);
    expect(issuesOf(pref({ horizon: 1.5 }))[0]).toMatch(/^upper\.horizon:/);
    expect(issuesOf(pref({ beta: -1 }))[0]).toMatch(/^upper\.beta: must be >= 0/);
    expect(issuesOf(pref({ beta: 'high' }))).toEqual(['upper.beta: must be a number, got the string "high"']);
    expect(issuesOf(pref({ l2: 1 }))[0]).toMatch(/^upper: unknown field "l2"/);
    expect(issuesOf({ ...valid(), upper: { kind: 'return', trueReward: [[1, 0]], l2: -1 } })).toEqual([
      'upper.l2: must be >= 0, got -1',
      'upper.trueReward: has 1 states, expected S = 2',
    ]);
  });

  it('reports wrong types and unknown or missing fields by path', () => {
    expect(issuesOf({ ...valid(), features: [[[1, 'a'], [0, 1]], [[0, 0], [1, 1]]] })).toEqual([
      'features[0][0][1]: must be a number, got the string "a"',
    ]);
    expect(issuesOf({ ...valid(), gama: 0.9 })).toEqual(['(top level): unknown field "gama" (a typo?)']);
    const { rho: _rho, ...noRho } = valid();
    expect(issuesOf(noRho)).toEqual(['rho: must be an array, got nothing (missing)']);
    expect(issuesOf([1, 2])[0]).toMatch(/^\(top level\)/);
  });

  it('reports several issues at once', () => {
    const j = { ...valid(), tau: -1 };
    j.transitions[0]![1] = [0.5, 0.43];
    expect(issuesOf(j)).toHaveLength(2);
  });

  it('formats paths like the file', () => {
    expect(formatPath(['transitions', 2, 1])).toBe('transitions[2][1]');
    expect(formatPath(['upper', 'kind'])).toBe('upper.kind');
  });
});
