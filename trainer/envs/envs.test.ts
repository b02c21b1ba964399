import { describe, expect, it } from 'vitest';
import { makeRng, type Rng } from '../core/rng';
import { ENVS, getEnv } from './index';
import type { AnyEnv, DrawPrimitive, Frame } from './types';

/**
 * The contract every registered environment keeps (the things the trainer, the clip store and
 * the browser's player rely on). Env-specific dynamics are tested in <env>.test.ts.
 */

/** Every point a primitive touches (its extent, not counting stroke widths). */
function extentPoints(p: DrawPrimitive): Array<[number, number]> {
  switch (p.kind) {
    case 'rect': {
      if (p.angle !== undefined && p.angle !== 0) throw new Error('rotated rects: extend this helper before using them');
      return [[p.x, p.y], [p.x + p.w, p.y + p.h]];
    }
    case 'circle': return [[p.x - p.r, p.y - p.r], [p.x + p.r, p.y + p.r]];
    case 'line': return [[p.x1, p.y1], [p.x2, p.y2]];
    case 'polyline': return p.points;
    case 'text': return [[p.x, p.y]];
  }
}

function expectFrameInsideViewport(frame: Frame, where: string) {
  const { xMin, xMax, yMin, yMax } = frame.viewport;
  expect(xMax > xMin && yMax > yMin, `${where}: viewport has positive size`).toBe(true);
  for (const item of frame.items) {
    for (const [x, y] of extentPoints(item)) {
      if (!(Number.isFinite(x) && Number.isFinite(y) && x >= xMin && x <= xMax && y >= yMin && y <= yMax)) {
        throw new Error(`${where}: ${item.kind} reaches (${x}, ${y}), outside ${JSON.stringify(frame.viewport)}`);
      }
    }
    const numbers = Object.values(item).filter((v): v is number => typeof v === 'number');
    for (const v of numbers) expect(Number.isFinite(v), `${where}: ${item.kind} has a non-finite field`).toBe(true);
  }
}

type Policy = (state: unknown, rng: Rng, t: number) => number;

function rollout(env: AnyEnv, seed: number, policy: Policy, maxSteps = env.maxEpisodeSteps) {
  const rng = makeRng(seed);
  const states = [env.reset(rng)];
  const actions: number[] = [];
  const rewards: number[] = [];
  let done = false;
  for (let t = 0; t < maxSteps && !done; t++) {
    const a = policy(states[t], rng, t);
    const out = env.step(states[t], a, rng);
    actions.push(a);
    rewards.push(out.reward);
    states.push(out.state);
    done = out.done;
  }
  return { states, actions, rewards, done };
}

const uniformPolicy = (env: AnyEnv): Policy => (_s, rng) => rng.int(env.actionNames.length);
/** Hold one action for a while, then another: reaches the far corners of state space. */
const sweepingPolicy = (env: AnyEnv): Policy => (_s, _rng, t) => Math.floor(t / 15) % env.actionNames.length;

describe.each(Object.values(ENVS).map((env) => [env.id, env] as const))('env contract: %s', (_id, env) => {
  it('is registered under its id, with metadata for annotators', () => {
    expect(getEnv(env.id)).toBe(env);
    expect(env.title.length).toBeGreaterThan(0);
    expect(env.description.length).toBeGreaterThan(10);
    expect(env.description).not.toContain('\n');
    expect(env.actionNames.length).toBeGreaterThanOrEqual(2);
    expect(Number.isInteger(env.maxEpisodeSteps) && env.maxEpisodeSteps > 0).toBe(true);
  });

  it('gives the identical episode for the same seed, and a different one for another seed', () => {
    const a = rollout(env, 7, uniformPolicy(env));
    const b = rollout(env, 7, uniformPolicy(env));
    const c = rollout(env, 8, uniformPolicy(env));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('step does not mutate its input state, and states survive a JSON round trip', () => {
    const rng = makeRng(3);
    let state = env.reset(rng);
    for (let t = 0; t < 60; t++) {
      const before = JSON.stringify(state);
      const frozen = structuredClone(state);
      Object.freeze(frozen); // a mutation attempt on a frozen object throws in strict-mode ESM
      const action = rng.int(env.actionNames.length);
      const fromFrozen = env.step(frozen, action, makeRng(t)).state;
      const out = env.step(state, action, makeRng(t));
      expect(JSON.stringify(state)).toBe(before);
      expect(JSON.stringify(fromFrozen)).toBe(JSON.stringify(out.state));
      // Replaying a stored clip (a JSON row) must give the same transition.
      const replayed = env.step(JSON.parse(before), action, makeRng(t));
      expect(JSON.stringify(replayed)).toBe(JSON.stringify(out));
      state = out.done ? env.reset(rng) : out.state;
    }
  });

  it('observe has observationSize finite numbers', () => {
    const ep = rollout(env, 11, uniformPolicy(env));
    for (const s of ep.states) {
      const o = env.observe(s);
      expect(o).toHaveLength(env.observationSize);
      expect(o.every(Number.isFinite)).toBe(true);
    }
  });

  it('rejects actions outside the action space', () => {
    const s = env.reset(makeRng(1));
    for (const bad of [-1, env.actionNames.length, 0.5, Number.NaN]) {
      expect(() => env.step(s, bad, makeRng(1))).toThrow(/action/);
    }
  });

  it('renders finite primitives inside the viewport over random and sweeping episodes', () => {
    let frames = 0;
    for (let seed = 0; seed < 6; seed++) {
      for (const policy of [uniformPolicy(env), sweepingPolicy(env)]) {
        const ep = rollout(env, 100 + seed, policy);
        ep.states.forEach((s, t) => {
          expectFrameInsideViewport(env.render(s), `${env.id} seed ${seed} step ${t}`);
          frames++;
        });
      }
    }
    expect(frames).toBeGreaterThan(12);
  });

});

// Tabular envs (grid5) have no terminal state and leave the time limit to the caller; the others
// carry the step counter in their state so that `done` (the time limit included) is pure.
const episodic = Object.values(ENVS).filter((env) => env.tabular === undefined);

describe.each(episodic.map((env) => [env.id, env] as const))('episodic env: %s', (_id, env) => {
  it('ends every episode by its time limit', () => {
    for (let seed = 0; seed < 3; seed++) {
      const ep = rollout(env, 200 + seed, uniformPolicy(env), env.maxEpisodeSteps + 5);
      expect(ep.actions.length).toBeLessThanOrEqual(env.maxEpisodeSteps);
      expect(ep.done).toBe(true);
    }
  });
});
