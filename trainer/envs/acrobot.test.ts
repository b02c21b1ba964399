import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { acrobot, acrobotAtGoal, acrobotDerivatives, acrobotEnergy, acrobotJoints, acrobotSwing, rk4Step, wrapAngle, type AcrobotState } from './acrobot';

type Vec4 = [number, number, number, number];

/**
 * Independent form of the book dynamics (m = l = 1, lc = 0.5, I = 1, g = 9.8): the two
 * equations of motion as a 2x2 linear system in the accelerations, solved by Cramer's rule,
 *   d1 dd1 + d2 dd2                        = -phi1
 *   d2 dd1 + (m2 lc2^2 + I2) dd2           = tau - m2 l1 lc2 dth1^2 sin(th2) - phi2
 * (acrobot.ts and Gymnasium eliminate dd1 by substitution instead).
 */
function expectedDerivatives([th1, th2, w1, w2]: Vec4, tau: number): Vec4 {
  const d1 = 0.25 + (1 + 0.25 + Math.cos(th2)) + 2;
  const d2 = (0.25 + 0.5 * Math.cos(th2)) + 1;
  const phi2 = 0.5 * 9.8 * Math.sin(th1 + th2); // cos(a - pi/2) = sin(a)
  const phi1 = -0.5 * w2 * w2 * Math.sin(th2) - w2 * w1 * Math.sin(th2) + 1.5 * 9.8 * Math.sin(th1) + phi2;
  const a11 = d1, a12 = d2, a21 = d2, a22 = 0.25 + 1;
  const b1 = -phi1, b2 = tau - 0.5 * w1 * w1 * Math.sin(th2) - phi2;
  const det = a11 * a22 - a12 * a21;
  return [w1, w2, (b1 * a22 - a12 * b2) / det, (a11 * b2 - a21 * b1) / det];
}

/** Classic RK4, written out again. */
function expectedRk4(y: Vec4, tau: number, h: number): Vec4 {
  const f = (v: Vec4) => expectedDerivatives(v, tau);
  const k1 = f(y);
  const k2 = f(y.map((v, i) => v + (h / 2) * k1[i]!) as Vec4);
  const k3 = f(y.map((v, i) => v + (h / 2) * k2[i]!) as Vec4);
  const k4 = f(y.map((v, i) => v + h * k3[i]!) as Vec4);
  return y.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!)) as Vec4;
}

/** Total energy for the same model: 1/2 qdot' M(q) qdot + potential (heights of the centres of mass). */
function energy([th1, th2, w1, w2]: Vec4): number {
  const d1 = 0.25 + (1 + 0.25 + Math.cos(th2)) + 2, d2 = 0.25 + 0.5 * Math.cos(th2) + 1, d22 = 1.25;
  const kinetic = 0.5 * (d1 * w1 * w1 + 2 * d2 * w1 * w2 + d22 * w2 * w2);
  const potential = -9.8 * (1.5 * Math.cos(th1) + 0.5 * Math.cos(th1 + th2));
  return kinetic + potential;
}

const state = (theta1: number, theta2: number, dtheta1: number, dtheta2: number, t = 0): AcrobotState => ({ theta1, theta2, dtheta1, dtheta2, t });

describe('acrobot dynamics', () => {
  it('derivatives match the mass-matrix form of the book equations', () => {
    const rng = makeRng(1);
    for (let i = 0; i < 50; i++) {
      const y: Vec4 = [(rng.next() * 2 - 1) * Math.PI, (rng.next() * 2 - 1) * Math.PI, (rng.next() * 2 - 1) * 8, (rng.next() * 2 - 1) * 20];
      const tau = [-1, 0, 1][i % 3]!;
      const got = acrobotDerivatives(y, tau), want = expectedDerivatives(y, tau);
      for (let k = 0; k < 4; k++) expect(got[k]).toBeCloseTo(want[k]!, 10);
    }
  });

  it('the unforced derivatives conserve energy (the "book" equations, not the "nips" ones)', () => {
    let y: Vec4 = [2.0, -1.0, 0.5, -1.5];
    const e0 = energy(y);
    for (let i = 0; i < 2000; i++) y = rk4Step((v) => acrobotDerivatives(v, 0), y, 1e-3);
    expect(Math.abs(energy(y) - e0) / Math.abs(e0)).toBeLessThan(1e-8);
  });

  it('one env step is one RK4 step of 0.2 s, then wrap and clip', () => {
    const s = state(0.3, -0.2, 1.0, -2.0, 12);
    for (const a of [0, 1, 2]) {
      const want = expectedRk4([s.theta1, s.theta2, s.dtheta1, s.dtheta2], a - 1, 0.2);
      const out = acrobot.step(s, a, makeRng(0));
      expect(out.state.theta1).toBeCloseTo(want[0], 12);
      expect(out.state.theta2).toBeCloseTo(want[1], 12);
      expect(out.state.dtheta1).toBeCloseTo(want[2], 12);
      expect(out.state.dtheta2).toBeCloseTo(want[3], 12);
      expect(out.state.t).toBe(13);
      expect(out.reward).toBe(-1);
      expect(out.done).toBe(false);
    }
  });

  it('wraps angles into [-pi, pi] and clips velocities to 4 pi and 9 pi', () => {
    expect(wrapAngle(Math.PI + 0.1)).toBeCloseTo(-Math.PI + 0.1, 14);
    expect(wrapAngle(-3 * Math.PI - 0.1)).toBeCloseTo(Math.PI - 0.1, 14);
    expect(wrapAngle(1)).toBe(1);
    // A violent spin (not at the goal: the second link folds back down): theta2 goes round
    // twice within the step and both velocities leave their limits.
    expect(acrobotAtGoal(state(2.5, 2.5, 0, 0))).toBe(false);
    const out = acrobot.step(state(2.5, 2.5, 6, 27), 2, makeRng(0));
    expect(out.state.theta1).toBeGreaterThanOrEqual(-Math.PI);
    expect(out.state.theta1).toBeLessThanOrEqual(Math.PI);
    expect(Math.abs(out.state.dtheta1)).toBeLessThanOrEqual(4 * Math.PI);
    expect(Math.abs(out.state.dtheta2)).toBeLessThanOrEqual(9 * Math.PI);
    const raw = expectedRk4([2.5, 2.5, 6, 27], 1, 0.2);
    expect(raw[1]).toBeGreaterThan(3 * Math.PI); // the wrap and both clips were exercised
    expect(Math.abs(raw[2])).toBeGreaterThan(4 * Math.PI);
    expect(Math.abs(raw[3])).toBeGreaterThan(9 * Math.PI);
    expect(out.state.theta1).toBeCloseTo(wrapAngle(raw[0]), 10);
    expect(out.state.theta2).toBeCloseTo(raw[1] - 4 * Math.PI, 10);
    expect(out.state.dtheta1).toBe(Math.sign(raw[2]) * 4 * Math.PI);
    expect(out.state.dtheta2).toBe(Math.sign(raw[3]) * 9 * Math.PI);
  });

  it('starts each variable uniform in [-0.1, 0.1]', () => {
    const rng = makeRng(3);
    for (let i = 0; i < 500; i++) {
      const s = acrobot.reset(rng);
      expect(s.t).toBe(0);
      for (const v of [s.theta1, s.theta2, s.dtheta1, s.dtheta2]) expect(Math.abs(v)).toBeLessThanOrEqual(0.1);
    }
  });
});

describe('acrobot termination', () => {
  it('the goal is the tip above one link length over the pivot', () => {
    expect(acrobotAtGoal(state(Math.PI, 0, 0, 0))).toBe(true); // straight up: tip at height 2
    expect(acrobotAtGoal(state(0, 0, 0, 0))).toBe(false); // hanging down
    expect(acrobotAtGoal(state(Math.PI / 2, 0, 0, 0))).toBe(false); // horizontal: height 0
    // First link horizontal, second pointing up: the tip is at height exactly 1.
    expect(acrobotAtGoal(state(Math.PI / 2 - 0.1, Math.PI / 2 + 0.1, 0, 0))).toBe(false); // height 0.90
    expect(acrobotAtGoal(state(Math.PI / 2 + 0.1, Math.PI / 2 - 0.1, 0, 0))).toBe(true); // height 1.10
  });

  it('energy pumping reaches the goal: reward 0 on that step, then absorbing', () => {
    const rng = makeRng(6);
    let s = acrobot.reset(rng), n = 0;
    let last = { state: s, reward: -1, done: false };
    while (!last.done) {
      // Torque along the second joint's motion does positive work (tau * dth2 > 0): energy pumping.
      last = acrobot.step(s, s.dtheta2 >= 0 ? 2 : 0, rng);
      s = last.state;
      n++;
    }
    expect(acrobotAtGoal(s)).toBe(true);
    expect(n).toBeLessThan(500);
    expect(last.reward).toBe(0);
    expect(acrobot.step(s, 1, rng)).toEqual({ state: s, reward: 0, done: true });
  });

  it('doing nothing from rest never gets there: cut at 500 steps, return -500', () => {
    const rng = makeRng(6);
    let s = acrobot.reset(rng), done = false, total = 0, n = 0;
    while (!done) {
      const out = acrobot.step(s, 1, rng);
      ({ state: s, done } = out);
      total += out.reward;
      n++;
    }
    expect(n).toBe(500);
    expect(total).toBe(-500);
  });
});

describe('acrobot observe and render', () => {
  it('observes [cos th1, sin th1, cos th2, sin th2, dth1, dth2]', () => {
    const o = acrobot.observe(state(0.4, -1.1, 2, -3));
    const want = [Math.cos(0.4), Math.sin(0.4), Math.cos(-1.1), Math.sin(-1.1), 2, -3];
    o.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 14));
  });

  it('draws the tip at height -cos th1 - cos(th1 + th2), the quantity the goal tests', () => {
    const s = state(2.2, 0.7, 0, 0);
    const { elbow, tip } = acrobotJoints(s);
    expect(tip[1]).toBeCloseTo(-Math.cos(2.2) - Math.cos(2.9), 14);
    expect(Math.hypot(elbow[0], elbow[1])).toBeCloseTo(1, 14);
    expect(Math.hypot(tip[0] - elbow[0], tip[1] - elbow[1])).toBeCloseTo(1, 14);
    const goal = acrobot.render(s).items.find((p) => p.kind === 'line' && p.y1 === 1 && p.y2 === 1);
    expect(goal).toBeDefined();
  });
});

describe('acrobot energy (the scripted teacher progress)', () => {
  it('is kept without torque and changed by the torque work tau * dth2 dt', () => {
    let s: AcrobotState = { theta1: 1.2, theta2: -0.4, dtheta1: 0.3, dtheta2: -0.8, t: 0 };
    const e0 = acrobotEnergy(s);
    const rng = makeRng(0);
    for (let i = 0; i < 25; i++) s = acrobot.step(s, 1, rng).state;
    // RK4 with dt = 0.2 keeps the energy to a small fraction (0.5%) of its 39.2 range.
    expect(Math.abs(acrobotEnergy(s) - e0)).toBeLessThan(0.2);
    // One step with torque +1: the energy change is the work, the integral of tau * dth2 dt.
    const a: AcrobotState = { theta1: 0.3, theta2: 0.2, dtheta1: 0.5, dtheta2: 1.5, t: 0 };
    const next = acrobot.step(a, 2, rng).state;
    const work = 1 * ((a.dtheta2 + next.dtheta2) / 2) * 0.2;
    expect(acrobotEnergy(next) - acrobotEnergy(a)).toBeCloseTo(work, 1);
    expect(acrobotSwing(next)).toBeGreaterThan(acrobotSwing(a));
  });
});
