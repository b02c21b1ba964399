/**
 * `simulate()`: the RLHF loop with a scripted teacher, over the service's own engines
 * (trainer/service/engine.ts: the same TabularEngine / NeuralEngine objects the run driver
 * calls, through the same methods), on an in-memory run (in-memory-run.ts): no database.
 */
import { assertSupported, learnsFromLabels } from '../contracts/algorithms';
import { makeRng } from '../core/rng';
import type { Engine, EnginePlan, Metrics, StepContext } from '../service/engine';
import type { PairSpec } from '../service/store';
import { clipToSegment } from '../service/label-rows';
import { TimeSlicer } from '../service/time-slicer';
import { judgeFor, makeTeacher, type Teacher, type TeacherConfig } from '../teachers';
import { InMemoryHistory, simulatedRun } from './in-memory-run';
import { loadEngine, type SimulationEngineOptions } from './load-engine';
import { randomReturn } from './random-return';
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

/** The simulation's metrics as the service stores them: non-finite values are left out. */
function finite(metrics: Metrics): Metrics {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
}

/**
 * The RLHF loop for one seed, over any Engine. The engine's `start` gathers clips from the
 * untrained policy and `propose` cuts the first pairs from them; then, per outer iteration:
 *   label    the teacher answers the pending pairs (a skip is no label and costs no budget;
 *            when every one was skipped, the engine tops the queue up from the same policy);
 *   reward   the algorithm's upper level on every label so far (updateReward);
 *   policy   the lower level follows the new reward, warm-started (updatePolicy);
 *   gather   clips from the new policy (gather), and propose the next pairs from them;
 * then one curve point [labels used, true return ('return/true' of evaluate)]. The learner
 * never sees the true reward; the teacher and the evaluation do. The oracle asks no teacher: its
 * x axis counts the labels the learners would have had by then, with the same schedule.
 */
export async function simulateSeed<L, P extends EnginePlan, D>(
  engine: Engine<L, P, D>, opts: SimulateOptions, seed: number, onIteration?: (labelsUsed: number) => void,
): Promise<SeedRun> {
  const run = simulatedRun(opts, seed);
  const history = new InMemoryHistory();
  const verbose = process.env.SOBIRL_VERBOSE !== undefined;
  const ctx: StepContext<P> = {
    run, plan: engine.plan(run), slicer: new TimeSlicer(Infinity), history, activeIds: [],
    log: (line) => { if (verbose) process.stderr.write(`${line}\n`); },
  };
  // The teacher answers like the service's first simulated annotator (simulated-annotators.ts).
  const teacher: Teacher | null = learnsFromLabels(opts.algo) ? makeTeacher(opts.teacher as Partial<TeacherConfig>, judgeFor(opts.judgement, opts.progressWeight)) : null;
  const teacherRng = makeRng(seed * 1000 + 1);
  await engine.prepare();
  let learner: L;
  try {
    learner = await engine.start(ctx); // gather: clips of the untrained policy
  } catch (error) {
    engine.close();
    throw error;
  }
  try {
    const curve: Array<[number, number]> = [[0, engine.evaluate(ctx, learner, 0)['return/true']!]];
    const metrics: SeedRun['metrics'] = [];
    /** Labels of the next iteration: the budget left, at most pairsPerIter. */
    const wanted = (used: number) => Math.min(opts.pairsPerIter, opts.labels - used);
    const propose = async (request: Parameters<typeof engine.propose>[2]) =>
      teacher && request.count > 0 ? engine.propose(ctx, learner, request) : { pairs: [], meanScore: 0, metrics: {} };
    let pending: PairSpec[] = (await propose({ purpose: 'first', count: wanted(0) })).pairs;
    let used = 0, asked = 0, topUps = 0;
    /** The checkpoint (here: the iteration) whose policy drew the pending pairs, and the labels before them. */
    let checkpointId = 0, watermark = 0;
    while (used < opts.labels && asked < opts.labels * 10) {
      const started = performance.now();
      const count = wanted(used);
      // label: the teacher answers the pending pairs
      let fresh = count;
      if (teacher) {
        fresh = 0;
        for (const pair of pending.slice(0, count)) {
          const answer = teacher.label(clipToSegment({ envId: opts.env, ...pair.first }), clipToSegment({ envId: opts.env, ...pair.second }), teacherRng);
          if (answer.kind === 'skip') continue;
          history.addLabel(pair, answer.y, checkpointId);
          fresh++;
        }
        asked += count;
        if (fresh === 0) {
          pending = (await propose({ purpose: 'top-up', count, pending: 0, index: ++topUps, resumedFrom: { checkpointId, watermark } })).pairs;
          continue;
        }
      }
      const maxLabelId = history.maxLabelId;
      const labels = engine.labels(ctx, await history.labels(maxLabelId), { checkpointId, watermark });
      const row: Metrics = {};
      Object.assign(row, await engine.updateReward(ctx, learner, labels)); // update reward (upper level)
      Object.assign(row, await engine.updatePolicy(ctx, learner)); // update policy (lower level)
      Object.assign(row, await engine.gather(ctx, learner)); // gather: clips of the new policy
      used = teacher ? history.labelCount : used + fresh;
      const next = await propose({ purpose: 'iteration', count: wanted(used), labels }); // propose the next pairs
      const final = used >= opts.labels || asked >= opts.labels * 10;
      Object.assign(row, next.metrics, engine.evaluate(ctx, learner, run.iteration + 1, final));
      row['labels/used'] = used;
      row['time/iteration_s'] = (performance.now() - started) / 1000;
      // The iteration is "committed": its pairs are the next checkpoint's.
      run.iteration += 1;
      checkpointId = run.iteration;
      watermark = maxLabelId;
      pending = next.pairs;
      history.setPending(pending.length);
      history.addMetrics(finite(row));
      metrics.push(finite(row));
      curve.push([used, row['return/true']!]);
      onIteration?.(used);
      ctx.log(`[${opts.algo} seed ${seed}] k=${run.iteration} ${JSON.stringify(finite(row))}`);
    }
    return { seed, curve, metrics, finalReturn: curve[curve.length - 1]![1] };
  } finally {
    engine.dispose(learner);
    engine.close();
  }
}

/** One seed on the env's engine (a fresh engine per seed: it holds the run's own state). */
export async function simulateSeedOn(
  opts: SimulateOptions, seed: number, onIteration?: (labelsUsed: number) => void, engineOptions: SimulationEngineOptions = {},
): Promise<SeedRun> {
  assertSupported(opts.algo, opts.env, 'simulate');
  return simulateSeed(await loadEngine(opts.env, engineOptions), opts, seed, onIteration);
}

/** The oracle's own options: the oracle discounts with `oracleGamma` where an env sets one (envs/rlhf-defaults.ts). */
export function oracleOptions(opts: SimulateOptions): SimulateOptions {
  return { ...opts, algo: 'oracle', gamma: opts.oracleGamma ?? opts.gamma };
}

/**
 * The oracle line: the oracle's mean final return over the same seeds and schedule (env steps,
 * updates, iterations) as the learners. On a tabular env that is soft value iteration on the
 * true reward, the same for every seed.
 */
export async function oracleReturn(opts: SimulateOptions, engineOptions: SimulationEngineOptions = {}): Promise<number> {
  const finals: number[] = [];
  for (const seed of seedsOf(opts)) finals.push((await simulateSeedOn(oracleOptions(opts), seed, undefined, engineOptions)).finalReturn);
  return mean(finals);
}

/** The seeds a simulation runs: `seedList` where given, else 0..seeds-1. */
export function seedsOf(opts: Pick<SimulateOptions, 'seeds' | 'seedList'>): number[] {
  return opts.seedList ? [...opts.seedList] : Array.from({ length: opts.seeds }, (_, seed) => seed);
}

/** Run the loop for each seed and aggregate, with the oracle line (the oracle's own runs when it is the algorithm). */
export async function simulate(
  opts: SimulateOptions, onProgress?: (seedIndex: number, labelsUsed: number) => void, engineOptions: SimulationEngineOptions = {},
): Promise<SimulateReport & { runs: SeedRun[] }> {
  assertSupported(opts.algo, opts.env, 'simulate');
  const own = opts.algo === 'oracle' ? oracleOptions(opts) : opts;
  const seeds = seedsOf(opts);
  const runs: SeedRun[] = [];
  const perSeed: SimulateReport['perSeed'] = [];
  for (const [index, seed] of seeds.entries()) {
    const started = performance.now();
    const run = await simulateSeedOn(own, seed, (used) => onProgress?.(index, used), engineOptions);
    runs.push(run);
    const greedy = run.metrics.at(-1)?.['return/greedy'];
    perSeed.push({ seed, finalReturn: run.finalReturn, ...(greedy !== undefined ? { finalGreedyReturn: greedy } : {}), seconds: (performance.now() - started) / 1000 });
  }
  const finals = runs.map((r) => r.finalReturn);
  const greedyFinals = perSeed.flatMap((s) => (s.finalGreedyReturn !== undefined ? [s.finalGreedyReturn] : []));
  const oracle = opts.algo === 'oracle' ? mean(finals) : opts.skipOracle ? null : await oracleReturn(opts, engineOptions);
  return {
    env: opts.env,
    algo: opts.algo,
    labels: opts.labels,
    seeds: seeds.length,
    perSeed,
    teacher: opts.judgement ?? 'true-reward',
    ...(opts.teacher.equalThreshold ? { equalThreshold: opts.teacher.equalThreshold } : {}),
    querySelection: opts.querySelection ?? 'uniform',
    finalReturn: { mean: mean(finals), std: std(finals) },
    ...(greedyFinals.length === runs.length && runs.length > 0 ? { finalGreedyReturn: { mean: mean(greedyFinals), std: std(greedyFinals) } } : {}),
    oracleReturn: oracle,
    randomReturn: await randomReturn(opts),
    curve: averageCurves(runs),
    runs,
  };
}
