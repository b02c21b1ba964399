import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng, type Rng } from '../core/rng';
import { loadMujoco } from '../mujoco/load';
import { ALL_ENV_IDS, CONTINUOUS_ENVS, ENVS, getAnyEnv, getContinuousEnv, getEnv } from './index';
import type { AnyContinuousEnv, AnyEnv, DrawPrimitive, Frame } from './types';

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
    case 'capsule': return [[p.x1 - p.r, p.y1 - p.r], [p.x1 + p.r, p.y1 + p.r], [p.x2 - p.r, p.y2 - p.r], [p.x2 + p.r, p.y2 + p.r]];
    case 'polyline': return p.points;
    case 'text': return [[p.x, p.y]];
  }
}

function expectFrameInsideViewport(frame: Frame, where: string) {
  const { xMin, xMax, yMin, yMax } = frame.viewport;
  // Plain checks that throw, not one expect() per number: this runs on thousands of frames.
  if (!(xMax > xMin && yMax > yMin)) throw new Error(`${where}: viewport ${JSON.stringify(frame.viewport)} has no positive size`);
  for (const item of frame.items) {
    for (const [x, y] of extentPoints(item)) {
      if (!(Number.isFinite(x) && Number.isFinite(y) && x >= xMin && x <= xMax && y >= yMin && y <= yMax)) {
        throw new Error(`${where}: ${item.kind} reaches (${x}, ${y}), outside ${JSON.stringify(frame.viewport)}`);
      }
    }
    const numbers = Object.values(item).filter((v): v is number => typeof v === 'number');
    if (!numbers.every(Number.isFinite)) throw new Error(`${where}: ${item.kind} has a non-finite field`);
  }
}

/** A policy over actions of type A (an index for discrete envs, a vector for continuous ones). */
type PolicyOf<A> = (state: unknown, rng: Rng, t: number) => A;
type Policy = PolicyOf<number>;

/** What a rollout needs of an env, whatever its action type. */
interface Steppable<A> {
  maxEpisodeSteps: number;
  reset(rng: Rng): unknown;
  step(state: unknown, action: A, rng: Rng): { state: unknown; reward: number; done: boolean };
}

function rollout<A>(env: Steppable<A>, seed: number, policy: PolicyOf<A>, maxSteps = env.maxEpisodeSteps) {
  const rng = makeRng(seed);
  const states = [env.reset(rng)];
  const actions: A[] = [];
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

// Continuous-action envs keep the same contract; their actions are vectors in a box.

type ContinuousPolicy = PolicyOf<number[]>;

/** Uniform over a box 20% wider than the action space: out-of-box values must be clipped, not fail. */
const uniformBoxPolicy = (env: AnyContinuousEnv): ContinuousPolicy => (_s, rng) =>
  env.actionSpace.low.map((lo, i) => {
    const hi = env.actionSpace.high[i]!, pad = 0.2 * (hi - lo);
    return lo - pad + (hi - lo + 2 * pad) * rng.next();
  });
/** Every dimension at its low bound, then its high bound, 15 steps each: reaches the far states. */
// The MuJoCo envs step through the wasm simulator, loaded once per process.
beforeAll(() => loadMujoco());

const bangBangPolicy = (env: AnyContinuousEnv): ContinuousPolicy => (_s, _rng, t) =>
  (Math.floor(t / 15) % 2 === 0 ? env.actionSpace.low : env.actionSpace.high).slice();

const RENDER_CHECK_STEPS = 200;

describe.each(Object.values(CONTINUOUS_ENVS).map((env) => [env.id, env] as const))('continuous env contract: %s', (_id, env) => {
  it('is registered under its id apart from the discrete envs, with a well-formed box', () => {
    expect(getContinuousEnv(env.id)).toBe(env);
    expect(getAnyEnv(env.id)).toBe(env);
    expect(() => getEnv(env.id)).toThrow(/continuous actions/);
    expect(Object.hasOwn(ENVS, env.id)).toBe(false);
    expect(env.description.length).toBeGreaterThan(10);
    const { low, high, names } = env.actionSpace;
    expect(low.length).toBeGreaterThanOrEqual(1);
    expect(high).toHaveLength(low.length);
    expect(names).toHaveLength(low.length);
    low.forEach((lo, i) => expect(Number.isFinite(lo) && Number.isFinite(high[i]!) && lo < high[i]!).toBe(true));
  });

  it('gives the identical episode for the same seed, and a different one for another seed', () => {
    const a = rollout(env, 7, uniformBoxPolicy(env));
    const b = rollout(env, 7, uniformBoxPolicy(env));
    const c = rollout(env, 8, uniformBoxPolicy(env));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('step does not mutate its input, and restarting from a stored (JSON) state equals stepping in sequence', () => {
    const rng = makeRng(3);
    let state = env.reset(rng);
    const policy = uniformBoxPolicy(env);
    for (let t = 0; t < 60; t++) {
      const before = JSON.stringify(state);
      const frozen = structuredClone(state);
      Object.freeze(frozen);
      const action = policy(state, rng, t);
      const fromFrozen = env.step(frozen, action, makeRng(t)).state;
      const out = env.step(state, action, makeRng(t));
      expect(JSON.stringify(state)).toBe(before);
      expect(JSON.stringify(fromFrozen)).toBe(JSON.stringify(out.state));
      expect(JSON.stringify(env.step(JSON.parse(before), action, makeRng(t)))).toBe(JSON.stringify(out));
      state = out.done ? env.reset(rng) : out.state;
    }
  });

  it('clips actions into the box and rejects a wrong length or a non-finite entry, naming the env', () => {
    const s = env.reset(makeRng(1));
    const { low, high } = env.actionSpace;
    const beyond = env.step(s, high.map((h, i) => h + 10 * (h - low[i]!)), makeRng(1));
    const atBound = env.step(s, high.slice(), makeRng(1));
    expect(JSON.stringify(beyond)).toBe(JSON.stringify(atBound));
    const below = env.step(s, low.map((l, i) => l - 10 * (high[i]! - l)), makeRng(1));
    expect(JSON.stringify(below)).toBe(JSON.stringify(env.step(s, low.slice(), makeRng(1))));
    for (const bad of [[], [...low, 0], low.map(() => Number.NaN), low.map(() => Infinity)]) {
      expect(() => env.step(s, bad, makeRng(1))).toThrow(new RegExp(`${env.id}: action`));
    }
  });

  it('observe has observationSize finite numbers; rewards are finite', () => {
    const ep = rollout(env, 11, uniformBoxPolicy(env));
    for (const s of ep.states) {
      const o = env.observe(s);
      expect(o).toHaveLength(env.observationSize);
      expect(o.every(Number.isFinite)).toBe(true);
    }
    expect(ep.rewards.every(Number.isFinite)).toBe(true);
  });

  it('renders finite primitives inside the viewport over random and bang-bang episodes', () => {
    let frames = 0;
    for (let seed = 0; seed < 4; seed++) {
      for (const policy of [uniformBoxPolicy(env), bangBangPolicy(env)]) {
        // 200 steps reach the far states (falls, flips, the rail's ends) of every env here; full
        // 1,000-step MuJoCo episodes would make this the slowest test of the suite.
        const ep = rollout(env, 100 + seed, policy, Math.min(env.maxEpisodeSteps, RENDER_CHECK_STEPS));
        ep.states.forEach((s, t) => {
          expectFrameInsideViewport(env.render(s), `${env.id} seed ${seed} step ${t}`);
          frames++;
        });
      }
    }
    expect(frames).toBeGreaterThan(8);
  });

  it('ends every episode by its time limit, with no earlier end (a clip length must not leak the return)', () => {
    const ep = rollout(env, 200, uniformBoxPolicy(env), env.maxEpisodeSteps + 5);
    expect(ep.actions).toHaveLength(env.maxEpisodeSteps);
    expect(ep.done).toBe(true);
  });
});

describe('env registry', () => {
  it('names every env once, and unknown ids (inherited properties included) get the list of known ones', () => {
    expect(new Set(ALL_ENV_IDS).size).toBe(ALL_ENV_IDS.length);
    for (const id of ['nope', 'toString', '__proto__', 'constructor']) {
      expect(() => getAnyEnv(id)).toThrow(/unknown environment .*known: grid5/);
      expect(() => getContinuousEnv(id)).toThrow(/unknown environment/);
    }
    expect(() => getContinuousEnv('grid5')).toThrow(/discrete actions/);
  });
});
