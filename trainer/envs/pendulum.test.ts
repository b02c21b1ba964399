import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { PENDULUM, angleNormalize, pendulum, type PendulumState } from './pendulum';

/**
 * Pendulum-v1's dynamics, checked against forms written independently of the module: the
 * equation of motion of a uniform rod about its end (I = m l^2 / 3, gravity's torque
 * m g (l/2) sin th), and the energy it must keep when no torque acts and no clip binds.
 */
describe('pendulum', () => {
  it('one step matches the rigid-rod equation of motion and Gymnasium\'s cost', () => {
    const s: PendulumState = { th: 0.7, thdot: -1.3, u: 0, t: 0 };
    const u = 1.5;
    const { g, m, l, dt } = PENDULUM;
    const inertia = (m * l * l) / 3;
    const alpha = (m * g * (l / 2) * Math.sin(s.th) + u) / inertia; // = 3g/(2l) sin th + 3u/(ml^2)
    const thdot = s.thdot + alpha * dt;
    const out = pendulum.step(s, [u], makeRng(0));
    expect(out.state.thdot).toBeCloseTo(thdot, 12);
    expect(out.state.th).toBeCloseTo(s.th + thdot * dt, 12);
    expect(out.state.u).toBe(u);
    expect(out.reward).toBeCloseTo(-(0.7 ** 2 + 0.1 * 1.3 ** 2 + 0.001 * 1.5 ** 2), 12);
    expect(out.done).toBe(false);
  });

  it('the cost uses the wrapped angle: a full turn costs like none', () => {
    const a = pendulum.step({ th: 0.2, thdot: 0, u: 0, t: 0 }, [0], makeRng(0));
    const b = pendulum.step({ th: 0.2 + 4 * Math.PI, thdot: 0, u: 0, t: 0 }, [0], makeRng(0));
    expect(b.reward).toBeCloseTo(a.reward, 9);
    expect(angleNormalize(Math.PI)).toBeCloseTo(-Math.PI, 12);
    expect(angleNormalize(-3 * Math.PI / 2)).toBeCloseTo(Math.PI / 2, 12);
  });

  it('keeps its mechanical energy (to the integrator\'s first order) without torque', () => {
    // E = (1/2) I thdot^2 + m g (l/2) cos th. Semi-implicit Euler keeps it bounded; the drift over
    // 200 small swings stays within a few percent of the swing's energy range.
    const { g, m, l } = PENDULUM;
    const energy = (s: PendulumState) => 0.5 * (m * l * l / 3) * s.thdot ** 2 + m * g * (l / 2) * Math.cos(s.th);
    let s: PendulumState = { th: Math.PI - 0.3, thdot: 0, u: 0, t: 0 }; // near hanging: small swings, no speed clip
    const e0 = energy(s);
    const range = m * g * l; // from hanging to upright
    for (let t = 0; t < 199; t++) {
      s = pendulum.step(s, [0], makeRng(0)).state;
      expect(Math.abs(energy(s) - e0)).toBeLessThan(0.05 * range);
    }
  });

  it('clips the speed at 8 rad/s and the torque at 2', () => {
    const fast = pendulum.step({ th: 1.5, thdot: 7.9, u: 0, t: 0 }, [2], makeRng(0));
    expect(fast.state.thdot).toBe(PENDULUM.maxSpeed);
    const clipped = pendulum.step({ th: 0.1, thdot: 0, u: 0, t: 0 }, [50], makeRng(0));
    expect(clipped.state.u).toBe(2);
  });

  it('cannot lift the hanging pole with the torque alone: it has to swing', () => {
    let s: PendulumState = { th: Math.PI, thdot: 0, u: 0, t: 0 };
    let best = Infinity;
    for (let t = 0; t < 199; t++) {
      s = pendulum.step(s, [PENDULUM.maxTorque], makeRng(0)).state;
      best = Math.min(best, Math.abs(angleNormalize(s.th)));
    }
    expect(best).toBeGreaterThan(Math.PI / 2); // never above the horizontal under constant torque
    // Pumping (torque along the velocity) gets it up.
    s = { th: Math.PI, thdot: 0, u: 0, t: 0 };
    best = Infinity;
    for (let t = 0; t < 199; t++) {
      s = pendulum.step(s, [s.thdot >= 0 ? 2 : -2], makeRng(0)).state;
      best = Math.min(best, Math.abs(angleNormalize(s.th)));
    }
    expect(best).toBeLessThan(0.3);
  });

  it('starts uniformly in angle and in [-1, 1] in speed; observes cos, sin, speed', () => {
    const rng = makeRng(5);
    const starts = Array.from({ length: 2000 }, () => pendulum.reset(rng));
    expect(Math.min(...starts.map((s) => s.th))).toBeLessThan(-3);
    expect(Math.max(...starts.map((s) => s.th))).toBeGreaterThan(3);
    expect(starts.every((s) => Math.abs(s.thdot) <= 1 && s.t === 0 && s.u === 0)).toBe(true);
    const o = pendulum.observe({ th: 0.5, thdot: 2, u: 0, t: 3 });
    expect(o[0]).toBeCloseTo(Math.cos(0.5), 12);
    expect(o[1]).toBeCloseTo(Math.sin(0.5), 12);
    expect(o[2]).toBe(2);
  });
});
