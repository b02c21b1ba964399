import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../contracts/run-config';
import { makeRng } from '../core/rng';
import { sampleTabularSegment, toLinearPair } from '../algorithms/tabular-rlhf';
import { makeRunLearner, makeRunSetup } from './tabular-engine';

describe('tabular runs: start distribution and the new learners', () => {
  it("a run's config.start sets where the service's clips and evaluation start", () => {
    const uniform = makeRunSetup('grid5', resolveRunConfig('grid5', {}));
    expect(uniform.start).toEqual({ kind: 'uniform' });
    const far = makeRunSetup('grid5', resolveRunConfig('grid5', { start: 'far' }));
    expect(far.start).toEqual({ kind: 'state', index: 0 });
    expect(far.rho[0]).toBe(1);
  });

  it('builds PBRL and HPGD learners that, resumed from a checkpoint, take exactly the next step', () => {
    const config = resolveRunConfig('riverswim', {});
    const setup = makeRunSetup('riverswim', config);
    const rng = makeRng(3);
    const batch = (pi: Float64Array) => Array.from({ length: 8 }, (_, i) => toLinearPair(setup, {
      first: sampleTabularSegment(setup, pi, 6, rng), second: sampleTabularSegment(setup, pi, 6, rng), y: i % 2 === 0 ? 1 : 0,
    }));
    for (const algo of ['pbrl', 'hpgd'] as const) {
      const a = makeRunLearner(algo, setup, config, 7);
      expect(a.name).toBe(algo);
      const first = batch(a.pi);
      a.iterate(first, first, 0);
      const b = makeRunLearner(algo, setup, config, 7, { x: a.x, Q: a.Q, state: a.exportState() });
      expect(Array.from(b.pi)).toEqual(Array.from(a.pi));
      const second = batch(a.pi);
      a.iterate([...first, ...second], second, 1);
      b.iterate([...first, ...second], second, 1);
      expect(Array.from(b.x)).toEqual(Array.from(a.x));
      expect(Array.from(b.pi)).toEqual(Array.from(a.pi));
    }
  });
});
