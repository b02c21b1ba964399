import { assertSupported } from '../contracts/algorithms';
import { getEnv } from '../envs';
import type { LabeledPair } from '../preference/types';
import { judgeFor, makeTeacher, type TeacherConfig } from '../teachers';
import type { SimulationEngine } from './simulation-engine';
import type { SeedRun, SimulateOptions, SimulateReport } from './types';

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, v) => s + v, 0) / Math.max(xs.length, 1);
}

/** Sample standard deviation (n - 1); 0 for a single seed. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - 1));
}

/** Average per-seed curves point by point (iteration k of every seed). */
export function averageCurves(runs: readonly SeedRun[]): Array<[number, number]> {
  const length = Math.min(...runs.map((r) => r.curve.length));
  const out: Array<[number, number]> = [];
  for (let k = 0; k < length; k++) {
    out.push([
      Math.round(mean(runs.map((r) => r.curve[k]![0]))),
      mean(runs.map((r) => r.curve[k]![1])),
    ]);
  }
  return out;
}

/**
 * The RLHF loop for one seed, over any SimulationEngine. Per outer iteration k:
 *   gather   clips from the current policy;
 *   label    pairs of them by the scripted teacher (skips dropped);
 *   reward   the algorithm's upper-level step(s) on every label so far;
 *   policy   the lower level follows the new reward (warm-started);
 * then one curve point [labels used, true return]. The learner never sees the true reward;
 * the teacher and the evaluation do.
 */
export async function simulateSeed(
  engine: SimulationEngine, opts: SimulateOptions, seed: number, onIteration?: (labelsUsed: number) => void,
): Promise<SeedRun> {
  const teacher = makeTeacher(opts.teacher as Partial<TeacherConfig>, judgeFor(opts.judgement));
  const curve: Array<[number, number]> = [[0, engine.evaluate(false, null).value]];
  const metrics: SeedRun['metrics'] = [];
  let asked = 0;
  try {
    for (let k = 0; k < engine.maxIterations && engine.labelsUsed() < opts.labels && asked < opts.labels * 10; k++) {
      const started = Date.now();
      const draw = engine.gather();
      const fresh: LabeledPair[] = [];
      if (engine.asksTeacher) {
        const wanted = Math.min(opts.pairsPerIter, opts.labels - engine.labelsUsed());
        for (let i = 0; draw && i < wanted; i++) {
          const [first, second] = draw(engine.labelRng);
          const answer = teacher.label(first, second, engine.labelRng);
          if (answer.kind === 'label') fresh.push({ first, second, y: answer.y });
        }
        asked += wanted;
      }
      const row = await engine.updateReward(fresh, k);
      if (row === null) continue;
      Object.assign(row, engine.updatePolicy());
      const used = engine.labelsUsed();
      const { value, metrics: evaluated } = engine.evaluate(k === engine.maxIterations - 1 || used >= opts.labels, started);
      metrics.push(Object.assign(row, evaluated));
      curve.push([used, value]);
      onIteration?.(used);
      if (process.env.SOBIRL_VERBOSE) process.stderr.write(`[${opts.algo} seed ${seed}] k=${k} ${JSON.stringify(row)}\n`);
    }
  } finally {
    engine.dispose();
  }
  return { seed, curve, metrics, finalReturn: curve[curve.length - 1]![1] };
}

/**
 * Run the loop for seeds 0..seeds-1 and aggregate. Tabular envs use the exact engine; the
 * neural engine handles the rest (loaded on demand: it brings tfjs).
 */
export async function simulate(opts: SimulateOptions, onProgress?: (seed: number, labelsUsed: number) => void): Promise<SimulateReport & { runs: SeedRun[] }> {
  assertSupported(opts.algo, opts.env, 'simulate');
  const family = getEnv(opts.env).tabular ? await import('./simulate-tabular') : await import('./simulate-neural');
  const runs: SeedRun[] = [];
  for (let seed = 0; seed < opts.seeds; seed++) {
    runs.push(await family.simulateSeedOn(opts, seed, (used) => onProgress?.(seed, used)));
  }
  const oracleReturn = await family.oracleReturn(opts);
  const finals = runs.map((r) => r.finalReturn);
  return {
    env: opts.env,
    algo: opts.algo,
    labels: opts.labels,
    seeds: opts.seeds,
    teacher: opts.judgement ?? 'true-reward',
    finalReturn: { mean: mean(finals), std: std(finals) },
    oracleReturn,
    randomReturn: await family.randomReturn(opts),
    curve: averageCurves(runs),
    runs,
  };
}
