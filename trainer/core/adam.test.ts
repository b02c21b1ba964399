import { describe, expect, it } from 'vitest';
import { Adam } from './adam';

const grad = (p: Float64Array, t: number) => Float64Array.from(p, (v, i) => Math.sin(3 * v + i + t) + 0.5 * v);

describe('Adam state export', () => {
  it('an optimiser rebuilt from exportState() takes exactly the steps the original takes', () => {
    const config = { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    const original = new Adam(5, config);
    const p = Float64Array.from([0.3, -1, 2, 0, 0.7]);
    for (let t = 0; t < 7; t++) original.step(p, grad(p, t));
    const resumed = new Adam(5, config);
    resumed.importState(original.exportState());
    const q = new Float64Array(p);
    for (let t = 7; t < 12; t++) {
      original.step(p, grad(p, t));
      resumed.step(q, grad(q, t));
    }
    expect(Array.from(q)).toEqual(Array.from(p));
    // A cold optimiser from the same weights does not (the bias correction restarts at t = 1).
    const cold = new Adam(5, config);
    const r = new Float64Array(q);
    original.step(p, grad(p, 12));
    cold.step(r, grad(r, 12));
    expect(Array.from(r)).not.toEqual(Array.from(p));
  });

  it('refuses a state of the wrong size or with a bad step count', () => {
    const adam = new Adam(3);
    expect(() => adam.importState(new Float64Array(4))).toThrow(/holds 4 values, expected 7/);
    expect(() => adam.importState(Float64Array.from([1.5, 0, 0, 0, 0, 0, 0]))).toThrow(/step count/);
    expect(() => adam.importState(Float64Array.from([1, 0, 0, 0, -1, 0, 0]))).toThrow(/second moments/);
  });
});
