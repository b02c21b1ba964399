import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { ReplayBuffer } from './replay-buffer';

describe('ReplayBuffer', () => {
  it('keeps the last `capacity` transitions, overwriting the oldest', () => {
    const buffer = new ReplayBuffer(3, 2);
    for (let i = 0; i < 5; i++) buffer.add([i, -i], i, [i + 0.5, 0], i === 4);
    expect(buffer.size).toBe(3);
    const batch = buffer.sample(300, makeRng(1));
    const seen = new Set(Array.from(batch.actions));
    expect([...seen].sort()).toEqual([2, 3, 4]); // 0 and 1 were overwritten
    for (let b = 0; b < batch.size; b++) {
      const a = batch.actions[b]!;
      expect([batch.obs[2 * b], batch.obs[2 * b + 1], batch.nextObs[2 * b], batch.done[b]]).toEqual([a, -a, a + 0.5, a === 4 ? 1 : 0]);
    }
  });

  it('samples uniformly with the seeded Rng, and batches are copies', () => {
    const buffer = new ReplayBuffer(100, 1);
    for (let i = 0; i < 4; i++) buffer.add([i], i, [i], false);
    const batch = buffer.sample(4000, makeRng(2));
    const counts = [0, 0, 0, 0];
    for (const a of batch.actions) counts[a]!++;
    // Binomial(4000, 1/4): sd ~27; 5 sd bounds fail only if sampling is not uniform over what was stored.
    counts.forEach((c) => expect(Math.abs(c - 1000)).toBeLessThan(140));
    expect(Array.from(buffer.sample(50, makeRng(3)).actions)).toEqual(Array.from(buffer.sample(50, makeRng(3)).actions));
    const held = buffer.sample(10, makeRng(4));
    const copy = Array.from(held.obs);
    buffer.clear();
    for (let i = 0; i < 4; i++) buffer.add([99], 0, [99], true);
    expect(Array.from(held.obs)).toEqual(copy);
  });

  it('rejects bad use with clear errors', () => {
    const buffer = new ReplayBuffer(2, 3);
    expect(() => buffer.sample(1, makeRng(1))).toThrow(/empty/);
    expect(() => buffer.add([1, 2], 0, [1, 2, 3], false)).toThrow(/3 values/);
    expect(() => buffer.add([1, 2, 3], -1, [1, 2, 3], false)).toThrow(/action/);
    expect(() => new ReplayBuffer(0, 3)).toThrow(/capacity/);
  });
});

describe('ReplayBuffer storage', () => {
  it('allocates with use, not capacity, and keeps every row when it grows and wraps', () => {
    // 10M transitions of 4 floats would be 320 MB up front.
    expect(new ReplayBuffer(10_000_000, 4).allocatedRows).toBeLessThanOrEqual(1024);
    const buffer = new ReplayBuffer(1500, 2);
    for (let i = 0; i < 1200; i++) buffer.add([i, 0], i, [i, 1], false);
    expect(buffer.allocatedRows).toBeGreaterThanOrEqual(1200);
    expect(buffer.allocatedRows).toBeLessThanOrEqual(1500);
    for (let i = 1200; i < 2000; i++) buffer.add([i, 0], i, [i, 1], false);
    expect(buffer.allocatedRows).toBe(1500);
    expect(buffer.size).toBe(1500);
    const batch = buffer.sample(20_000, makeRng(7));
    const seen = new Set(Array.from(batch.actions));
    // The newest 1500 (500..1999) and nothing older; each row's obs matches its action.
    expect(Math.min(...seen)).toBe(500);
    expect(Math.max(...seen)).toBe(1999);
    for (let b = 0; b < batch.size; b++) expect(batch.obs[2 * b]).toBe(batch.actions[b]);
  });
});
