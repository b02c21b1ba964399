import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { loadMujoco } from '../mujoco/load';
import { HALF_CHEETAH_DT, HALF_CHEETAH_XML, halfCheetah as env, halfCheetahReward } from './half-cheetah';
import { makeMujocoEnv } from './mujoco/mujoco-env';
import { restingState, withoutContactsOrLimits } from '../../tests/helpers/trainer/mujoco';

beforeAll(() => loadMujoco());

const G = 9.81;

describe('half-cheetah', () => {
  it('compiles to the documented model: 9 dofs, 6 motors with the task gears over [-1, 1], 14 kg in all', () => {
    const m = env.simulator.model;
    expect([m.nq, m.nv, m.nu]).toEqual([9, 9, 6]);
    expect(m.opt.timestep * env.config.frameSkip).toBeCloseTo(HALF_CHEETAH_DT, 12);
    expect(HALF_CHEETAH_DT).toBeCloseTo(0.05, 12);
    expect(Array.from({ length: 6 }, (_, i) => m.actuator_gear[6 * i])).toEqual([120, 90, 60, 120, 60, 30]);
    for (let i = 0; i < 6; i++) expect([m.actuator_ctrlrange[2 * i], m.actuator_ctrlrange[2 * i + 1]]).toEqual([-1, 1]);
    expect(Array.from(m.body_mass).reduce((a, b) => a + b, 0)).toBeCloseTo(14, 9);
  });

  it('falls freely with contacts and limits off: semi-implicit Euler gives z_n = -g h^2 n (n + 1) / 2 exactly', () => {
    const free = makeMujocoEnv({ ...env.config, id: 'half-cheetah-free', xml: withoutContactsOrLimits(HALF_CHEETAH_XML) });
    // Joint angles at their springs' rest (0): no internal force, so the body falls as one.
    let s = restingState([0.2, 0, 0.3, 0, 0, 0, 0, 0, 0], 6);
    const steps = 10, h = 0.01, n = steps * 5;
    for (let i = 0; i < steps; i++) s = free.step(s, [0, 0, 0, 0, 0, 0], makeRng(0)).state;
    expect(s.qpos[1]).toBeCloseTo((-G * h * h * n * (n + 1)) / 2, 9);
    expect(s.qvel[1]).toBeCloseTo(-G * h * n, 9);
    expect(s.qpos[0]).toBeCloseTo(0.2, 12);
    expect(s.qpos[2]).toBeCloseTo(0.3, 12);
  });

  it('pays v5 reward: forward velocity - 0.1 |a|^2, with no healthy term', () => {
    const at = (x: number, z = 0) => ({ qpos: [x, z, 0, 0, 0, 0, 0, 0, 0], qvel: new Array<number>(9).fill(0) });
    const a = [1, -0.5, 0, 0.2, 0, -1];
    const cost = 0.1 * (1 + 0.25 + 0.04 + 1);
    expect(halfCheetahReward(at(0), at(0.25), a)).toBeCloseTo(0.25 / 0.05 - cost, 12);
    // Upside down, off the ground: still just velocity and effort.
    expect(halfCheetahReward(at(2), at(1.9, -3), a)).toBeCloseTo(-0.1 / 0.05 - cost, 12);
    const s = env.reset(makeRng(3));
    const out = env.step(s, [3, 0, 0, 0, 0, -2], makeRng(3));
    expect(out.state.u).toEqual([1, 0, 0, 0, 0, -1]);
    expect(out.reward).toBeCloseTo(halfCheetahReward(s, out.state, [1, 0, 0, 0, 0, -1]), 12);
  });

  it('observes qpos without x, then qvel (17 numbers)', () => {
    const s = { ...env.reset(makeRng(1)), qpos: [9, 1, 2, 3, 4, 5, 6, 7, 8], qvel: [10, 11, 12, 13, 14, 15, 16, 17, 18] };
    expect(env.observe(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
  });
});
