/**
 * Tuning harness for the continuous engine (pendulum): the in-memory RLHF loop
 * (trainer/algorithms/continuous/rlhf-loop.ts) over seeds, one JSON line per seed.
 *   npx tsx trainer/cli/continuous-tune.ts --algo sobirl --seeds 100,101,102 [--labels 200] [--set key=value ...]
 * `--set` takes schedule keys (envStepsPerIter, collectEpisodeSteps, pairSelection, oversample, ensembleSize, updatesPerIter, evalEpisodes, pairsPerIter, tau, entropy)
 * and upper-level keys (trainer/algorithms/continuous/upper-level.ts). Tune on seeds other than the reported ones.
 */
import { getContinuousEnv } from '../envs';
import { prepareEnv } from '../mujoco/load';
import { rlhfDefaults } from '../envs/rlhf-defaults';
import { assertSupported } from '../contracts/algorithms';
import { makeTeacher } from '../teachers';
import { runContinuousLoop } from '../algorithms/continuous/rlhf-loop';
import { envContinuousSchedule, type ContinuousSchedule } from '../algorithms/continuous/run-config';
import { DEFAULT_CONTINUOUS_ENSEMBLE } from '../algorithms/continuous/query-ensemble';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const envId = arg('env', 'pendulum');
  const env = getContinuousEnv(envId);
  await prepareEnv(env); // MuJoCo envs: the simulator, once per process
  const algorithm = assertSupported(arg('algo', 'sobirl'), envId, 'simulate');
  const d = rlhfDefaults(envId);
  const sets = new Map<string, string>();
  process.argv.forEach((a, i) => { if (a === '--set') { const [k, v] = process.argv[i + 1]!.split('='); sets.set(k!, v!); } });
  const num = (k: string, v: number) => (sets.has(k) ? Number(sets.get(k)) : v);
  const base = envContinuousSchedule(envId); // the env's own env steps / updates per iteration (rlhf-defaults.ts)
  const upper = { ...base.upper } as Record<string, unknown>;
  for (const [k, v] of sets) if (k in upper) upper[k] = typeof upper[k] === 'number' ? Number(v) : typeof upper[k] === 'boolean' ? v === 'true' : v;
  const schedule: ContinuousSchedule = {
    ...base,
    envStepsPerIter: num('envStepsPerIter', base.envStepsPerIter),
    ...(sets.has('collectEpisodeSteps') ? { collectEpisodeSteps: Number(sets.get('collectEpisodeSteps')) } : {}),
    evalEpisodes: num('evalEpisodes', base.evalEpisodes),
    lower: {
      ...base.lower,
      updatesPerIter: num('updatesPerIter', base.lower.updatesPerIter),
      sac: { ...base.lower.sac, ...(sets.has('entropy') ? { entropy: sets.get('entropy') as 'fixed' | 'auto' } : {}), ...(sets.has('batchSize') ? { batchSize: Number(sets.get('batchSize')) } : {}) },
    },
    upper: upper as unknown as ContinuousSchedule['upper'],
    // pairSelection=disagreement: the run config's defaults (oversample 10, 5 members).
    ...(sets.has('pairSelection') ? { selection: { mode: sets.get('pairSelection') as 'uniform' | 'disagreement', oversample: num('oversample', 10), ensemble: { ...DEFAULT_CONTINUOUS_ENSEMBLE, size: num('ensembleSize', 5) } } } : {}),
  };
  const seeds = arg('seeds', '100').split(',').map(Number);
  for (const seed of seeds) {
    const result = await runContinuousLoop({
      env, algorithm, schedule, gamma: num('gamma', d.gamma), tau: num('tau', d.tau), horizon: num('horizon', d.horizon),
      pairsPerIter: num('pairsPerIter', d.pairsPerIter), labels: num('labels', 200), teacher: makeTeacher({ beta: num('beta', d.beta) }),
      seed, finalEvalEpisodes: num('finalEvalEpisodes', 20),
      onIteration: (k, m) => process.stderr.write(`seed ${seed} k=${k} ${Object.entries(m).map(([n, v]) => `${n}=${v.toFixed(3)}`).join(' ')}\n`),
    });
    const sum = (key: string) => Math.round(result.curve.reduce((s, c) => s + (c.metrics[key] ?? 0), 0));
    console.log(JSON.stringify({
      env: envId, algorithm, seed, final: result.final, seconds: Math.round(result.seconds), upperSeconds: sum('time/upper_s'), lowerSeconds: sum('time/lower_s'),
      labels: result.curve.at(-1)?.labels ?? 0, envSteps: result.curve.at(-1)?.envSteps ?? 0, curve: result.curve.map((c) => Math.round(c.metrics['return/true'] ?? NaN)),
    }));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
