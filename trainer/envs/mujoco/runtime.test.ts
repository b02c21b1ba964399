import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { invertedPendulum } from '../inverted-pendulum';
import { isMujocoLoaded } from './runtime';
import { prepareEnv, usesMujoco } from '../../mujoco/load';

// Vitest runs each test file in its own module graph: nothing has loaded MuJoCo here yet.
describe('the MuJoCo runtime slot', () => {
  it('makes reset and step throw a message saying what to call, until the process loads MuJoCo', async () => {
    expect(isMujocoLoaded()).toBe(false);
    expect(() => invertedPendulum.reset(makeRng(1))).toThrow(/inverted-pendulum needs the MuJoCo simulator.*await loadMujoco\(\)/);
    // Rendering a stored state needs no simulator (the browser's case).
    const stored = { qpos: [0, 0], qvel: [0, 0], u: [0], t: 0, geoms: [-1, 0, 1, 0, -0.1, 0, 0.1, 0, 0, 0, 0.001, 0.6] };
    expect(invertedPendulum.render(stored).items.filter((i) => i.kind === 'capsule')).toHaveLength(3);
    expect(usesMujoco('inverted-pendulum')).toBe(true);
    expect(usesMujoco('pendulum')).toBe(false);
    await prepareEnv('pendulum');
    expect(isMujocoLoaded()).toBe(false);
    await prepareEnv(invertedPendulum);
    expect(isMujocoLoaded()).toBe(true);
    expect(invertedPendulum.reset(makeRng(1)).qpos).toHaveLength(2);
  });
});
