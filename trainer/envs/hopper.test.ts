import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { loadMujoco } from '../mujoco/load';
import { HOPPER_DT, HOPPER_XML, hopper as env, hopperIsHealthy, hopperReward } from './hopper';
import { makeMujocoEnv } from './mujoco/mujoco-env';
import { capsuleMass, restingState, withoutContactsOrLimits } from '../../tests/helpers/trainer/mujoco';

beforeAll(() => loadMujoco());

const G = 9.81;

describe('hopper', () => {
  it('compiles to the documented model: 6 dofs, 3 motors of gear 200 over the [-1, 1] box, masses from the capsules', () => {
    const m = env.simulator.model;
    expect([m.nq, m.nv, m.nu]).toEqual([6, 6, 3]);
    expect(m.opt.timestep * env.config.frameSkip).toBeCloseTo(HOPPER_DT, 12);
    expect(HOPPER_DT).toBeCloseTo(0.008, 12);
    for (let i = 0; i < 3; i++) {
      expect(m.actuator_gear[6 * i]).toBe(200);
      expect([m.actuator_ctrlrange[2 * i], m.actuator_ctrlrange[2 * i + 1]]).toEqual([env.actionSpace.low[i], env.actionSpace.high[i]]);
    }
    // World, torso, thigh, leg, foot: each body's mass is its capsule's volume at density 1000.
    const expected = [0, capsuleMass(0.05, 0.4), capsuleMass(0.05, 0.45), capsuleMass(0.04, 0.5), capsuleMass(0.06, 0.39)];
    expected.forEach((mass, i) => expect(m.body_mass[i]).toBeCloseTo(mass, 9));
  });

  it('falls freely with contacts and limits off: the torso drops g t^2 / 2 (RK4 is exact here), nothing else moves', () => {
    const free = makeMujocoEnv({ ...env.config, id: 'hopper-free', xml: withoutContactsOrLimits(HOPPER_XML) });
    let s = restingState([0.3, 1.25, 0.1, -0.4, -0.6, 0.2], 3);
    const steps = 50;
    for (let i = 0; i < steps; i++) s = free.step(s, [0, 0, 0], makeRng(0)).state;
    const t = steps * HOPPER_DT;
    expect(s.qpos[1]).toBeCloseTo(1.25 - (G * t * t) / 2, 9);
    expect(s.qvel[1]).toBeCloseTo(-G * t, 9);
    [0.3, 0.1, -0.4, -0.6, 0.2].forEach((q, i) => expect(s.qpos[i === 0 ? 0 : i + 1]).toBeCloseTo(q, 9));
  });

  it('stands on the floor: from rest at the start pose the foot settles on the ground instead of passing through it', () => {
    let s = restingState([0, 1.25, 0, 0, 0, 0], 3);
    for (let i = 0; i < 20; i++) s = env.step(s, [0, 0, 0], makeRng(0)).state;
    const footZ = [s.geoms[13]!, s.geoms[15]!];
    // The foot capsule (radius 0.06) rests on z = 0, within the contact margin and softness.
    for (const z of footZ) expect(Math.abs(z - 0.06)).toBeLessThan(0.01);
  });

  it('pays v5 reward: forward velocity + 1 while healthy - 0.001 |a|^2', () => {
    const state = (x: number, z = 1.25, pitch = 0, qvel = [0, 0, 0, 0, 0, 0]) => ({ qpos: [x, z, pitch, -0.1, -0.2, 0.1], qvel });
    const a = [0.5, -1, 0.2];
    const cost = 1e-3 * (0.25 + 1 + 0.04);
    expect(hopperReward(state(0), state(0.08), a)).toBeCloseTo(0.08 / 0.008 + 1 - cost, 12);
    expect(hopperReward(state(1), state(0.96), a)).toBeCloseTo(-0.04 / 0.008 + 1 - cost, 12);
    // Unhealthy: too low, tilted too far, or a velocity out of range: no healthy reward.
    expect(hopperReward(state(0), state(0, 0.7), a)).toBeCloseTo(-cost, 12);
    expect(hopperReward(state(0), state(0, 1.2, -0.2), [0, 0, 0])).toBe(0);
    expect(hopperIsHealthy(state(0, 0.71, 0.199))).toBe(true);
    expect(hopperIsHealthy(state(0, 1.2, 0, [0, 0, 0, 100, 0, 0]))).toBe(false);
    // step pays it on the clipped action and the simulated transition.
    const s = env.reset(makeRng(3));
    const out = env.step(s, [2, -3, 0.5], makeRng(3));
    expect(out.state.u).toEqual([1, -1, 0.5]);
    expect(out.reward).toBeCloseTo(hopperReward(s, out.state, [1, -1, 0.5]), 12);
  });

  it('observes qpos without x and qvel clipped to [-10, 10]', () => {
    const s = { ...env.reset(makeRng(1)), qpos: [5, 1.1, 0.1, -0.2, -0.3, 0.4], qvel: [1, -20, 3, 11, -4, 0.5] };
    expect(env.observe(s)).toEqual([1.1, 0.1, -0.2, -0.3, 0.4, 1, -10, 3, 10, -4, 0.5]);
  });

  it('starts within 0.005 of qpos0 = (0, 1.25, 0, 0, 0, 0) at rest', () => {
    for (let seed = 0; seed < 10; seed++) {
      const s = env.reset(makeRng(seed));
      [0, 1.25, 0, 0, 0, 0].forEach((q, i) => expect(Math.abs(s.qpos[i]! - q)).toBeLessThanOrEqual(0.005));
      expect(s.qvel.every((v) => Math.abs(v) <= 0.005)).toBe(true);
    }
  });
});
