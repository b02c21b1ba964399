import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../models/backend';
import { LowerLevel } from '../algorithms/neural/lower-level';
import { NeuralSimulation } from './simulate-neural';
import type { SimulateOptions } from './types';

const OPTS: SimulateOptions = {
  env: 'mountaincar', algo: 'drlhf', labels: 20, seeds: 1, pairsPerIter: 10, horizon: 10, gamma: 0.9, oracleGamma: 0.99, tau: 0.01,
  teacher: { beta: 1 }, judgement: 'scripted',
};

/** The discount the simulation's soft-Q lower level was built with. */
async function lowerGamma(opts: SimulateOptions): Promise<number> {
  const sim = await NeuralSimulation.create(opts, 0);
  try {
    return (sim as unknown as { lower: LowerLevel }).lower.q.config.gamma;
  } finally {
    sim.dispose();
  }
}

beforeAll(async () => {
  await useBackend('wasm');
});

describe('oracleGamma (envs/rlhf-defaults.ts: mountaincar learners 0.9, oracle 0.99)', () => {
  it('the oracle discounts with oracleGamma, every learner with gamma', async () => {
    expect(await lowerGamma({ ...OPTS, algo: 'oracle' })).toBeCloseTo(0.99, 12);
    expect(await lowerGamma(OPTS)).toBeCloseTo(0.9, 12);
    expect(await lowerGamma({ ...OPTS, algo: 'sobirl' })).toBeCloseTo(0.9, 12);
    // Absent: the oracle takes gamma like everyone else.
    expect(await lowerGamma({ ...OPTS, algo: 'oracle', oracleGamma: undefined })).toBeCloseTo(0.9, 12);
  });
});
