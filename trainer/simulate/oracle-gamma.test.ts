import { describe, expect, it } from 'vitest';
import { simulatedRun } from './in-memory-run';
import { oracleOptions } from './simulate';
import type { SimulateOptions } from './types';

const OPTS: SimulateOptions = {
  env: 'mountaincar', algo: 'drlhf', labels: 20, seeds: 1, pairsPerIter: 10, horizon: 10, gamma: 0.9, oracleGamma: 0.99, tau: 0.01,
  teacher: { beta: 1 }, judgement: 'scripted',
};

/** The discount the engine's run (and so its soft-Q lower level) is configured with. */
const runGamma = (opts: SimulateOptions) => (simulatedRun(opts, 0).config as { gamma: number }).gamma;

describe('oracleGamma (envs/rlhf-defaults.ts: mountaincar learners 0.9, oracle 0.99)', () => {
  it('the oracle line discounts with oracleGamma, every learner with gamma', () => {
    expect(runGamma(oracleOptions(OPTS))).toBeCloseTo(0.99, 12);
    expect(oracleOptions(OPTS).algo).toBe('oracle');
    expect(runGamma(OPTS)).toBeCloseTo(0.9, 12);
    expect(runGamma({ ...OPTS, algo: 'sobirl' })).toBeCloseTo(0.9, 12);
    // Absent: the oracle takes gamma like everyone else.
    expect(runGamma(oracleOptions({ ...OPTS, oracleGamma: undefined }))).toBeCloseTo(0.9, 12);
  });
});
