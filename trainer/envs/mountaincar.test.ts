import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { hillHeight, mountaincar, mountainCarAtGoal, mountainCarEnergyHeight, mountainCarSwing, type MountainCarState } from './mountaincar';

const state = (position: number, velocity: number, t = 0): MountainCarState => ({ position, velocity, t });

describe('mountaincar dynamics', () => {
  it('matches a hand-computed step for each action', () => {
    const s = state(-0.5, 0.01);
    // v' = v + (a - 1) * 0.001 - 0.0025 cos(3x), x' = x + v'; cos(-1.5) = 0.0707372016677029...
    const gravityTerm = 0.0025 * 0.0707372016677029;
    for (const a of [0, 1, 2]) {
      const v = 0.01 + (a - 1) * 0.001 - gravityTerm;
      const out = mountaincar.step(s, a, makeRng(0));
      expect(out.state.velocity).toBeCloseTo(v, 14);
      expect(out.state.position).toBeCloseTo(-0.5 + v, 14);
      expect(out.state.t).toBe(1);
      expect(out.reward).toBe(-1);
      expect(out.done).toBe(false);
    }
  });

  it('clips the speed to 0.07', () => {
    const out = mountaincar.step(state(-0.5236, 0.0695), 2, makeRng(0)); // bottom of the valley, full throttle
    expect(out.state.velocity).toBe(0.07);
    expect(out.state.position).toBeCloseTo(-0.5236 + 0.07, 14);
    expect(mountaincar.step(state(-0.5236, -0.0695), 0, makeRng(0)).state.velocity).toBe(-0.07);
  });

  it('stops the car dead at the left wall', () => {
    const out = mountaincar.step(state(-1.19, -0.05), 0, makeRng(0));
    expect(out.state.position).toBe(-1.2);
    expect(out.state.velocity).toBe(0);
  });

  it('starts at position uniform in [-0.6, -0.4] with zero velocity', () => {
    const rng = makeRng(2);
    let lo = 0, hi = -1;
    for (let i = 0; i < 2000; i++) {
      const s = mountaincar.reset(rng);
      expect(s.velocity).toBe(0);
      expect(s.t).toBe(0);
      expect(s.position).toBeGreaterThanOrEqual(-0.6);
      expect(s.position).toBeLessThanOrEqual(-0.4);
      lo = Math.min(lo, s.position);
      hi = Math.max(hi, s.position);
    }
    expect(lo).toBeLessThan(-0.598);
    expect(hi).toBeGreaterThan(-0.402);
  });
});

describe('mountaincar termination', () => {
  it('terminates on reaching x >= 0.5 moving right, paying -1 for that step; the goal is absorbing', () => {
    const out = mountaincar.step(state(0.48, 0.03), 2, makeRng(0));
    expect(out.state.position).toBeGreaterThanOrEqual(0.5);
    expect(out.done).toBe(true);
    expect(out.reward).toBe(-1);
    const after = mountaincar.step(out.state, 0, makeRng(0));
    expect(after).toEqual({ state: out.state, reward: 0, done: true });
    expect(mountainCarAtGoal(state(0.49, 0.05))).toBe(false);
  });

  it('coasting never gets out of the valley: cut at 200 steps with return -200', () => {
    const rng = makeRng(4);
    let s = mountaincar.reset(rng), done = false, n = 0, total = 0;
    while (!done) {
      const out = mountaincar.step(s, 1, rng);
      ({ state: s, done } = out);
      total += out.reward;
      n++;
    }
    expect(n).toBe(200);
    expect(total).toBe(-200);
    expect(mountainCarAtGoal(s)).toBe(false);
  });

  it('pushing along the velocity (energy pumping) reaches the flag well before the limit', () => {
    const rng = makeRng(4);
    let s = mountaincar.reset(rng), done = false, n = 0;
    while (!done) {
      ({ state: s, done } = mountaincar.step(s, s.velocity >= 0 ? 2 : 0, rng));
      n++;
    }
    expect(mountainCarAtGoal(s)).toBe(true);
    expect(n).toBeLessThan(200);
  });
});

describe('mountaincar observe and render', () => {
  it('observes [position, velocity] scaled to [-1, 1], then an 8 x 8 grid of Gaussian bumps over them', () => {
    const o = mountaincar.observe(state(-0.3, 0.02, 9));
    expect(o).toHaveLength(66);
    expect(mountaincar.observationSize).toBe(66);
    expect(o[0]).toBeCloseTo(0, 12); // -0.3 is the middle of [-1.2, 0.6]
    expect(o[1]).toBeCloseTo(0.02 / 0.07, 12);
    // On a grid centre (position -1.2 + 2 * 1.8 / 7, velocity -0.07 + 5 * 0.14 / 7 = 0.03) its bump
    // is 1, the next one along the velocity exp(-1/2), one step along both exp(-1).
    const c = mountaincar.observe(state(-1.2 + (2 * 1.8) / 7, 0.03));
    expect(c[2 + 2 * 8 + 5]).toBeCloseTo(1, 12);
    expect(c[2 + 2 * 8 + 6]).toBeCloseTo(Math.exp(-0.5), 12);
    expect(c[2 + 3 * 8 + 6]).toBeCloseTo(Math.exp(-1), 12);
    // Far bumps vanish: the features are local.
    expect(c[2 + 7 * 8 + 0]).toBeLessThan(1e-6);
  });

  it('draws the hill as sin(3x) * 0.45 + 0.55 and the car on it', () => {
    const frame = mountaincar.render(state(-0.2, 0));
    const hill = frame.items.find((p) => p.kind === 'polyline' && p.points.length > 50);
    if (hill?.kind !== 'polyline') throw new Error('no hill polyline');
    for (const [x, y] of hill.points) {
      if (y > frame.viewport.yMin) expect(y).toBeCloseTo(Math.sin(3 * x) * 0.45 + 0.55, 12);
    }
    const wheels = frame.items.filter((p) => p.kind === 'circle');
    expect(wheels).toHaveLength(2);
    for (const w of wheels) {
      if (w.kind !== 'circle') continue;
      // Both wheels sit within a wheel radius of the track near x = -0.2.
      expect(Math.abs(w.y - hillHeight(w.x))).toBeLessThan(0.03);
    }
  });
});

describe('mountaincar energy (the scripted teacher progress)', () => {
  it('is nearly kept while coasting and rises when pushing along the velocity', () => {
    let s = state(-0.9, 0);
    const e0 = mountainCarEnergyHeight(s);
    const rng = makeRng(0);
    // Coasting 30 steps: the Euler step drifts the energy a little (1% of the 0.9 climb)...
    for (let i = 0; i < 30; i++) s = mountaincar.step(s, 1, rng).state;
    const drift = Math.abs(mountainCarEnergyHeight(s) - e0);
    expect(drift).toBeLessThan(0.015);
    // ...a few times less than 10 steps of pushing along the velocity add.
    let pushed = state(-0.5, 0.01), braked = pushed;
    for (let i = 0; i < 10; i++) {
      pushed = mountaincar.step(pushed, pushed.velocity >= 0 ? 2 : 0, rng).state;
      braked = mountaincar.step(braked, braked.velocity >= 0 ? 0 : 2, rng).state;
    }
    const before = mountainCarEnergyHeight(state(-0.5, 0.01));
    expect(mountainCarEnergyHeight(pushed) - before).toBeGreaterThan(3 * drift);
    expect(mountainCarEnergyHeight(braked)).toBeLessThan(before);
    expect(mountainCarSwing(pushed)).toBeGreaterThan(mountainCarSwing(braked));
  });
});
