import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { cartpole, cartPoleFailed, type CartPoleState } from './cartpole';

/**
 * The expected numbers are computed here independently of cartpole.ts, from the equations of
 * motion in their Lagrangian (mass-matrix) form, with the constants written out:
 *   (M + m) xAcc       + m l cos(th) thAcc = F + m l thDot^2 sin(th)
 *   m l cos(th) xAcc + (4/3) m l^2 thAcc   = m g l sin(th)
 * (a uniform pole of half-length l about its pivot). Gymnasium eliminates xAcc by substitution;
 * here the 2x2 system is solved by Cramer's rule, so a slip in either form shows.
 */
function expectedEulerStep(s: CartPoleState, action: 0 | 1): CartPoleState {
  const M = 1.0, m = 0.1, l = 0.5, g = 9.8, tau = 0.02;
  const F = action === 1 ? 10 : -10;
  const c = Math.cos(s.theta), sn = Math.sin(s.theta);
  const a11 = M + m, a12 = m * l * c, a21 = m * l * c, a22 = (4 / 3) * m * l * l;
  const b1 = F + m * l * s.thetaDot ** 2 * sn, b2 = m * g * l * sn;
  const det = a11 * a22 - a12 * a21;
  const xAcc = (b1 * a22 - a12 * b2) / det;
  const thAcc = (a11 * b2 - a21 * b1) / det;
  // Explicit Euler: positions move with the OLD velocities.
  return { x: s.x + tau * s.xDot, xDot: s.xDot + tau * xAcc, theta: s.theta + tau * s.thetaDot, thetaDot: s.thetaDot + tau * thAcc, t: s.t + 1 };
}

const state = (x: number, xDot: number, theta: number, thetaDot: number, t = 0): CartPoleState => ({ x, xDot, theta, thetaDot, t });

describe('cartpole dynamics', () => {
  it('matches the hand computation of one Euler step, for both actions and several states', () => {
    const states = [state(0.1, -0.3, 0.05, 0.4), state(-1.7, 1.2, -0.18, -1.5, 37), state(0, 0, 0, 0)];
    for (const s of states) {
      for (const a of [0, 1] as const) {
        const out = cartpole.step(s, a, makeRng(0));
        const want = expectedEulerStep(s, a);
        expect(out.state.x).toBeCloseTo(want.x, 12);
        expect(out.state.xDot).toBeCloseTo(want.xDot, 12);
        expect(out.state.theta).toBeCloseTo(want.theta, 12);
        expect(out.state.thetaDot).toBeCloseTo(want.thetaDot, 12);
        expect(out.state.t).toBe(want.t);
        expect(out.reward).toBe(1);
      }
    }
  });

  it('at rest and upright, pushing right accelerates the cart right and tips the pole left', () => {
    // Closed form at theta = thetaDot = 0: thAcc = -F / (l (4/3 (M+m) - m)) = -10 / (0.5 * (4/3*1.1 - 0.1)).
    const out = cartpole.step(state(0, 0, 0, 0), 1, makeRng(0));
    const thAcc = -10 / (0.5 * ((4 / 3) * 1.1 - 0.1));
    const xAcc = (10 - 0.1 * 0.5 * thAcc) / 1.1;
    expect(out.state.thetaDot).toBeCloseTo(0.02 * thAcc, 12);
    expect(out.state.xDot).toBeCloseTo(0.02 * xAcc, 12);
    expect(out.state.x).toBe(0);
    expect(out.state.theta).toBe(0);
  });

  it('starts each of the four variables uniform in [-0.05, 0.05]', () => {
    const rng = makeRng(5);
    const keys = ['x', 'xDot', 'theta', 'thetaDot'] as const;
    const lo = { x: 1, xDot: 1, theta: 1, thetaDot: 1 }, hi = { x: -1, xDot: -1, theta: -1, thetaDot: -1 };
    for (let i = 0; i < 2000; i++) {
      const s = cartpole.reset(rng);
      expect(s.t).toBe(0);
      for (const k of keys) {
        expect(Math.abs(s[k])).toBeLessThanOrEqual(0.05);
        lo[k] = Math.min(lo[k], s[k]);
        hi[k] = Math.max(hi[k], s[k]);
      }
    }
    // 2000 uniform draws come within 0.001 of both ends (a narrower range would not).
    for (const k of keys) {
      expect(lo[k]).toBeLessThan(-0.049);
      expect(hi[k]).toBeGreaterThan(0.049);
    }
  });
});

describe('cartpole termination', () => {
  const thr = (12 * 2 * Math.PI) / 360;

  it('terminates when the pole passes 12 degrees, paying +1 for the last step', () => {
    const s = state(0, 0, thr - 0.001, 0.5); // theta grows by 0.02 * 0.5 = 0.01 past the threshold
    const out = cartpole.step(s, 1, makeRng(0));
    expect(out.state.theta).toBeGreaterThan(thr);
    expect(out.done).toBe(true);
    expect(out.reward).toBe(1);
    expect(cartPoleFailed(out.state)).toBe(true);
    // Just inside the threshold is not a failure.
    expect(cartpole.step(state(0, 0, thr - 0.02, 0.5), 1, makeRng(0)).done).toBe(false);
  });

  it('terminates when the cart leaves [-2.4, 2.4], on either side', () => {
    expect(cartpole.step(state(2.39, 1, 0, 0), 1, makeRng(0)).done).toBe(true);
    expect(cartpole.step(state(-2.39, -1, 0, 0), 0, makeRng(0)).done).toBe(true);
    expect(cartpole.step(state(2.3, 1, 0, 0), 1, makeRng(0)).done).toBe(false);
  });

  it('a fallen pole is absorbing: same state, reward 0, done', () => {
    const fallen = state(0.3, 0.1, thr + 0.05, 1, 42);
    const out = cartpole.step(fallen, 0, makeRng(0));
    expect(out).toEqual({ state: fallen, reward: 0, done: true });
  });

  it('cuts the episode at 500 steps without calling it a failure', () => {
    const out = cartpole.step(state(0, 0, 0, 0, 499), 1, makeRng(0));
    expect(out.state.t).toBe(500);
    expect(out.done).toBe(true);
    expect(out.reward).toBe(1);
    expect(cartPoleFailed(out.state)).toBe(false);
    expect(cartpole.step(state(0, 0, 0, 0, 498), 1, makeRng(0)).done).toBe(false);
  });

  it('a random policy drops the pole in a few dozen steps, a balancing one lasts all 500', () => {
    const rng = makeRng(9);
    const lengths: number[] = [];
    for (let ep = 0; ep < 50; ep++) {
      let s = cartpole.reset(rng), n = 0, done = false;
      while (!done) {
        ({ state: s, done } = cartpole.step(s, rng.int(2), rng));
        n++;
      }
      lengths.push(n);
    }
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    expect(mean).toBeGreaterThan(10); // the well-known ~22 of a uniform policy
    expect(mean).toBeLessThan(40);
    // A PD controller on the pole angle with a weak pull to the centre balances indefinitely.
    let s = cartpole.reset(rng), n = 0, done = false, total = 0;
    while (!done) {
      const u = s.theta + 0.5 * s.thetaDot + 0.01 * s.x + 0.05 * s.xDot;
      const out = cartpole.step(s, u > 0 ? 1 : 0, rng);
      ({ state: s, done } = out);
      total += out.reward;
      n++;
    }
    expect(n).toBe(500);
    expect(total).toBe(500);
    expect(cartPoleFailed(s)).toBe(false);
  });
});

describe('cartpole observe and render', () => {
  it('observes [x, xDot, theta, thetaDot]', () => {
    expect(cartpole.observe(state(1, 2, 0.1, -3, 7))).toEqual([1, 2, 0.1, -3]);
  });

  it('draws the pole from the cart, one metre long, leaning the way theta says', () => {
    const frame = cartpole.render(state(1, 0, 0.2, 0));
    const pole = frame.items.find((p) => p.kind === 'line' && p.width >= 0.05);
    if (pole?.kind !== 'line') throw new Error('no pole line in the frame');
    expect(pole.x1).toBeCloseTo(1, 12);
    expect(Math.hypot(pole.x2 - pole.x1, pole.y2 - pole.y1)).toBeCloseTo(1, 12);
    expect(pole.x2).toBeGreaterThan(pole.x1); // positive theta leans right
  });
});
