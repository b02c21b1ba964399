import { makeRng } from '../core/rng';
import { CONTINUOUS_ENVS } from '../envs';
import type { AnyContinuousEnv } from '../envs/types';
import { loadMujoco } from '../mujoco/load';

/**
 * Env steps per second of every continuous-action env (pendulum and the MuJoCo tasks), side by
 * side in one process: uniform random actions over the box, reset at each episode's end, for
 * about `seconds` of wall time each. Reported per wall-clock second and per CPU-second of the
 * process (the steadier figure on a shared machine), with the one-off MuJoCo load time.
 */
export async function benchContinuousEnvs(seconds: number): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const t0 = performance.now();
  await loadMujoco();
  results['env/mujoco/load_ms'] = Math.round(performance.now() - t0);
  const envs = Object.values(CONTINUOUS_ENVS);
  // Warm-up, untimed: compiles each model and lets V8 tier the wasm up to optimised code (the
  // first env timed would otherwise run partly on the baseline compiler's code).
  for (const env of envs) randomSteps(env, Math.max(0.1, seconds / 3));
  for (const env of envs) {
    const cpu0 = process.cpuUsage();
    const { steps, wall } = randomSteps(env, seconds);
    const cpu = process.cpuUsage(cpu0);
    results[`env/${env.id}/steps_per_s`] = Math.round(steps / wall);
    results[`env/${env.id}/steps_per_cpu_s`] = Math.round(steps / ((cpu.user + cpu.system) / 1e6));
  }
  return results;
}

function randomSteps(env: AnyContinuousEnv, seconds: number): { steps: number; wall: number } {
  const rng = makeRng(1);
  const { low, high } = env.actionSpace;
  let state = env.reset(rng);
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || steps < 1000) {
    // 100 steps between clock reads: the clock is not free next to a pendulum step.
    for (let i = 0; i < 100; i++) {
      const action = low.map((lo, d) => lo + (high[d]! - lo) * rng.next());
      const out = env.step(state, action, rng);
      state = out.done ? env.reset(rng) : out.state;
    }
    steps += 100;
  }
  return { steps, wall: (performance.now() - start) / 1000 };
}
