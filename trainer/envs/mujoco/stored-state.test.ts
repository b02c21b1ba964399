import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { loadMujoco } from '../../mujoco/load';
import { CONTINUOUS_ENVS, MUJOCO_ENV_IDS } from '../index';
import type { DrawPrimitive, Frame } from '../types';
import { DRAWN_PRECISION_M, type MujocoEnv, type MujocoState } from './mujoco-env';

beforeAll(() => loadMujoco());

/** 200 steps of uniform random actions from a reset (falls and flips included). */
function randomStates(env: MujocoEnv, seed: number, steps = 200): { states: MujocoState[]; actions: number[][] } {
  const rng = makeRng(seed);
  const states = [env.reset(rng)], actions: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const a = env.actionSpace.low.map((lo, d) => lo + (env.actionSpace.high[d]! - lo) * rng.next());
    actions.push(a);
    states.push(env.step(states[t]!, a, rng).state);
  }
  return { states, actions };
}

const bytes = (s: unknown) => JSON.stringify(s).length;

/** The numbers of a frame (viewport, then every primitive's fields in order) and its shape (kinds, texts, colours). */
function numbersOf(frame: Frame): { numbers: number[]; shape: string } {
  const numbers = [frame.viewport.xMin, frame.viewport.xMax, frame.viewport.yMin, frame.viewport.yMax];
  const shape: string[] = [];
  const walk = (item: DrawPrimitive) => {
    for (const [key, v] of Object.entries(item)) {
      if (typeof v === 'number') numbers.push(v);
      else if (Array.isArray(v)) for (const p of v as number[][]) numbers.push(...p);
      else shape.push(`${key}=${String(v)}`);
    }
  };
  frame.items.forEach(walk);
  return { numbers, shape: shape.join(' ') };
}

const mujocoEnvs = MUJOCO_ENV_IDS.map((id) => CONTINUOUS_ENVS[id] as MujocoEnv);

describe.each(mujocoEnvs.map((env) => [env.id, env] as const))('stored MuJoCo states: %s', (_id, env) => {
  it('keep qpos, qvel and t exact: a rollout restarted from a stored (JSON) state gives the original transition', () => {
    const { states, actions } = randomStates(env, 1, 60);
    actions.forEach((a, t) => {
      const stored: MujocoState = JSON.parse(JSON.stringify(env.storedState!(states[t]!)));
      expect(stored.qpos).toEqual(states[t]!.qpos);
      expect(stored.qvel).toEqual(states[t]!.qvel);
      expect(JSON.stringify(env.step(stored, a, makeRng(t)))).toBe(JSON.stringify(env.step(states[t]!, a, makeRng(t))));
      expect(env.observe(stored)).toEqual(env.observe(states[t]!));
    });
  });

  it('draw the same frame to 1e-4 m (0.04 px on a 1,200 px wide 3 m view): same primitives, every coordinate within the rounding', () => {
    const { states } = randomStates(env, 2);
    for (const s of states) {
      const original = numbersOf(env.render(s));
      const stored = numbersOf(env.render(JSON.parse(JSON.stringify(env.storedState!(s)))));
      expect(stored.shape).toBe(original.shape);
      expect(stored.numbers).toHaveLength(original.numbers.length);
      // Each pose coordinate is within half a step; what the render derives from them (the
      // viewport, the action bars scaled by it) within a small multiple.
      stored.numbers.forEach((v, i) => expect(Math.abs(v - original.numbers[i]!)).toBeLessThanOrEqual(2 * DRAWN_PRECISION_M));
    }
  });
});

describe('stored MuJoCo states are compact', () => {
  // Measured over these 301 states (README "Stored MuJoCo clips"): bytes of JSON per step, full
  // precision -> stored: hopper 658 -> 419, half-cheetah 1,138 -> 675, walker2d 1,071 -> 640.
  const bounds: Record<string, number> = { hopper: 440, 'half-cheetah': 700, walker2d: 670 };
  for (const [id, bound] of Object.entries(bounds)) {
    it(`${id}: at most ${bound} bytes of JSON per step, under 66% of the full-precision state`, () => {
      const env = CONTINUOUS_ENVS[id] as MujocoEnv;
      const { states } = randomStates(env, 1, 300);
      const full = states.reduce((n, s) => n + bytes(s), 0) / states.length;
      const stored = states.reduce((n, s) => n + bytes(env.storedState!(s)), 0) / states.length;
      expect(stored).toBeLessThanOrEqual(bound);
      expect(stored / full).toBeLessThan(0.66);
    });
  }
});
