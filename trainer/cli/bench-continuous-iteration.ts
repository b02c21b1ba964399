/**
 * What one outer iteration of the continuous engine costs on an env, phase by phase, in one
 * process (the budget plan for the MuJoCo benchmarks in the README is worked out from it):
 *   collect   env steps of the current policy (policy inference + MuJoCo), steps/s;
 *   lower     SAC updates (batch 128, [64, 64]) under the learned reward, updates/s;
 *   upper     one upper-level update (`upperSteps` reward-model steps) of SoBiRL and of DRLHF on
 *             `--labels` labels of which `--pairs` are fresh (SoBiRL's exploration half pays for
 *             rollouts from the fresh clips' stored states), seconds;
 *   evaluate  `evalEpisodes` full episodes, sampled and tanh(mu) policy, seconds.
 * Each phase's wall time is given with the process's CPU time (the steadier figure on a shared
 * machine). The policy is untrained: MuJoCo's cost per step hardly depends on it.
 *   npx tsx trainer/cli/bench-continuous-iteration.ts --env hopper [--steps 2000] [--updates 500] [--pairs 50] [--labels 1400] [--horizon H]
 */
import { makeRng } from '../core/rng';
import { getContinuousEnv } from '../envs';
import { rlhfDefaults } from '../envs/rlhf-defaults';
import { prepareEnv } from '../mujoco/load';
import { makeTeacher } from '../teachers';
import { ContinuousLearner } from '../algorithms/continuous/learner';
import { teacherView } from '../algorithms/continuous/rlhf-loop';
import { envContinuousSchedule } from '../algorithms/continuous/run-config';
import type { ContinuousLabeledPair } from '../algorithms/continuous/experience';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Wall and CPU seconds of `work`. */
async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage(), t0 = performance.now();
  const value = await work();
  const cpu = process.cpuUsage(cpu0);
  return { value, wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--env');
  const env = getContinuousEnv(i >= 0 ? process.argv[i + 1]! : 'hopper');
  const defaults = rlhfDefaults(env.id);
  const steps = arg('steps', 2000), updates = arg('updates', 500), pairs = arg('pairs', 50), labels = arg('labels', 1400);
  const horizon = arg('horizon', defaults.horizon);
  const schedule = envContinuousSchedule(env.id);
  await prepareEnv(env);
  const out: Record<string, number | string> = { env: env.id, horizon, labels, freshPairs: pairs };
  const teacher = makeTeacher({ beta: defaults.beta });
  for (const algorithm of ['sobirl', 'drlhf'] as const) {
    const learner = new ContinuousLearner(env, algorithm, { gamma: defaults.gamma, tau: defaults.tau, seed: 1 }, schedule, 7);
    const rng = makeRng(11), teacherRng = makeRng(13);
    // Warm-up, untimed: compiles the model, tiers the wasm and the kernel up.
    await learner.collect(Math.max(schedule.lower.minReplay, 1000));
    learner.lower.train('true', rng, 20);
    if (algorithm === 'sobirl') {
      const collect = await timed(() => learner.collect(steps));
      out['collect/steps_per_s'] = Math.round(steps / collect.wall);
      out['collect/steps_per_cpu_s'] = Math.round(steps / collect.cpu);
      const model = learner.rewardModel;
      const lower = await timed(() => learner.lower.train((o, a, rows) => model.rewards(o, a, rows), rng, updates));
      out['lower/updates_per_s'] = Math.round(updates / lower.wall);
      out['lower/updates_per_cpu_s'] = Math.round(updates / lower.cpu);
      const evaluate = await timed(() => learner.evaluate(schedule.evalEpisodes, makeRng(5)));
      out['evaluate/episodes'] = schedule.evalEpisodes;
      out['evaluate/s'] = Number(evaluate.wall.toFixed(2));
      out['evaluate/cpu_s'] = Number(evaluate.cpu.toFixed(2));
    }
    // Labels: `labels - pairs` older ones (their cost is the exploitation mini-batch's, the same
    // for any count above it) and `pairs` fresh ones, all cut from the current pool.
    const label = (count: number): ContinuousLabeledPair[] => learner.candidatePairs(count, horizon, rng).flatMap(([a, b]) => {
      const answer = teacher.label(teacherView(a), teacherView(b), teacherRng);
      return answer.kind === 'label' ? [{ first: a, second: b, y: answer.y }] : [];
    });
    const fresh = label(pairs);
    const all = [...label(Math.max(labels - pairs, 0)), ...fresh];
    const packed = learner.packLabels(all, fresh, horizon)!;
    // Outer iteration 5: past SoBiRL's exploration warm-up, so its exploration half is paid.
    const upper = await timed(() => learner.updateReward(packed, 5, makeRng(17)));
    out[`upper/${algorithm}/s`] = Number(upper.wall.toFixed(2));
    out[`upper/${algorithm}/cpu_s`] = Number(upper.cpu.toFixed(2));
  }
  console.log(JSON.stringify(out));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
