import { makeRng, type Rng } from '../core/rng';
import { getEnv } from '../envs';
import type { Env } from '../envs/types';
import { initBackend } from '../models/backend';
import type { LabeledPair } from '../preference/types';
import { makeTeacher, type TeacherConfig } from '../teachers';
import { DEFAULT_NEURAL_DRLHF, makeNeuralDrlhf, type NeuralDrlhfConfig } from '../algorithms/neural/drlhf';
import {
  ExperienceCollector, cutSegment, evaluateReturn, greedyPolicy, validSegmentStarts, type Transition,
} from '../algorithms/neural/experience';
import type { NeuralUpperLevel } from '../algorithms/neural/learner';
import { DEFAULT_LOWER_LEVEL, LowerLevel, type LowerLevelConfig } from '../algorithms/neural/lower-level';
import { concatBatches, packPairs, type PairBatch } from '../algorithms/neural/neural-rlhf';
import { OracleLowerLevel } from '../algorithms/neural/oracle';
import { DEFAULT_NEURAL_SOBIRL, makeNeuralSobirl, type NeuralSobirlConfig } from '../algorithms/neural/sobirl';
import { DEFAULT_NEURAL_STOC_SOBIRL, makeNeuralStocSobirl, type NeuralStocSobirlConfig } from '../algorithms/neural/stoc-sobirl';
import type { AlgorithmName, SeedRun, SimulateOptions } from './types';

/**
 * The RLHF loop on a non-tabular environment, per seed (the same seams as the tabular loop):
 *   collect   env steps with the current soft policy (parallel episodes, into replay);
 *   gather    pairs of `horizon`-step segments cut from THESE fresh trajectories, labelled by
 *             the scripted teacher (skips dropped);
 *   reward    the algorithm's upper-level steps on the reward model (SoBiRL: hyper-gradient;
 *             DRLHF: preference loss only);
 *   policy    N soft Q updates, warm-started, replay relabelled with the CURRENT reward model.
 * After every outer iteration: [labels used, mean true return of evaluation episodes].
 * The oracle runs the same schedule (same env steps and Q updates per iteration) on the true
 * reward, and its curve is indexed by the labels the learners would have used by then.
 */
export interface NeuralRunConfig {
  /** Env steps collected with the current policy per outer iteration. */
  envStepsPerIter: number;
  /** Episodes stepped in parallel during collection (one policy pass per step for all). */
  numEnvs: number;
  /** Evaluation episodes after each outer iteration (metrics only; not in the replay). */
  evalEpisodes: number;
  /** Evaluation episodes for the final point (a less noisy finalReturn). */
  finalEvalEpisodes: number;
  /**
   * Also evaluate the greedy policy argmax_a Q(s, a) (same episode counts, its own Rng stream)
   * into the metric 'return/greedy'. The curve and finalReturn stay the sampled soft policy's.
   */
  evalGreedy?: boolean;
  lowerLevel: LowerLevelConfig;
  sobirl: NeuralSobirlConfig;
  drlhf: NeuralDrlhfConfig;
  stocSobirl: NeuralStocSobirlConfig;
}

export const DEFAULT_NEURAL_RUN: NeuralRunConfig = {
  envStepsPerIter: 2000,
  numEnvs: 4,
  // The sampled soft policy's cartpole returns vary widely from episode to episode (anywhere
  // in 0..500), so 5 and 20 episodes left curve points and finalReturn with a standard error
  // of tens of return units. Evaluation has its own Rng stream and does not change training;
  // 10 and 50 episodes add a few seconds per seed.
  evalEpisodes: 10,
  finalEvalEpisodes: 50,
  evalGreedy: true,
  lowerLevel: DEFAULT_LOWER_LEVEL,
  sobirl: DEFAULT_NEURAL_SOBIRL,
  drlhf: DEFAULT_NEURAL_DRLHF,
  stocSobirl: DEFAULT_NEURAL_STOC_SOBIRL,
};

export function makeNeuralUpperLevel(algo: AlgorithmName, env: Env, opts: SimulateOptions, seed: number, config: NeuralRunConfig): NeuralUpperLevel {
  const A = env.actionNames.length, O = env.observationSize;
  switch (algo) {
    case 'sobirl': return makeNeuralSobirl(O, A, seed, opts.gamma, opts.tau, config.sobirl);
    case 'drlhf': return makeNeuralDrlhf(O, A, seed, config.drlhf);
    case 'stoc-sobirl': return makeNeuralStocSobirl(O, A, seed, opts.gamma, opts.tau, config.stocSobirl);
    case 'pbrl':
    case 'hpgd':
      throw new Error(`${algo} runs on the tabular engine only (its penalty / rollouts use the exact model), not on '${env.id}'`);
    case 'm-sobirl':
      throw new Error(`m-sobirl is model-based and needs the transition matrix: it runs on tabular environments only (grid5), not '${env.id}'; use sobirl or stoc-sobirl`);
    case 'oracle':
      throw new Error('the oracle has no upper level');
  }
}

/** Mean and std of r_x on this iteration's transitions: the scale and sign the lower level sees. */
function rewardStats(upper: NeuralUpperLevel, fresh: readonly Transition[], obsSize: number): Record<string, number> {
  const obs = new Float32Array(fresh.length * obsSize);
  fresh.forEach((tr, i) => obs.set(tr.obs, i * obsSize));
  const r = upper.rewardModel.predictRewards(obs, Int32Array.from(fresh, (tr) => tr.action));
  const mean = r.reduce((s, v) => s + v, 0) / Math.max(r.length, 1);
  const variance = r.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(r.length, 1);
  return { 'reward/mean': mean, 'reward/std': Math.sqrt(variance) };
}

/** `count` pairs of segments cut from fresh transitions, labelled; skips dropped. */
function gatherPairs<S>(
  env: Env<S>, fresh: readonly Transition<S>[], count: number, horizon: number,
  teacher: ReturnType<typeof makeTeacher>, rng: Rng,
): LabeledPair<S>[] {
  const starts = validSegmentStarts(fresh, horizon);
  if (starts.length === 0) return [];
  const pairs: LabeledPair<S>[] = [];
  for (let i = 0; i < count; i++) {
    const first = cutSegment(env.id, fresh, starts[rng.int(starts.length)]!, horizon);
    const second = cutSegment(env.id, fresh, starts[rng.int(starts.length)]!, horizon);
    const answer = teacher.label(first, second, rng);
    if (answer.kind === 'label') pairs.push({ first, second, y: answer.y });
  }
  return pairs;
}

export async function simulateNeuralSeed(
  opts: SimulateOptions, seed: number, onIteration?: (labelsUsed: number) => void,
  config: NeuralRunConfig = DEFAULT_NEURAL_RUN,
): Promise<SeedRun> {
  await initBackend();
  const env = getEnv(opts.env) as Env<unknown>;
  if (env.tabular && opts.algo === 'm-sobirl') throw new Error('m-sobirl on a tabular env: use the tabular engine');
  const isOracle = opts.algo === 'oracle';
  const O = env.observationSize, A = env.actionNames.length;
  // Separate streams: collection, labels/segments, Q updates, evaluation. Changing one (e.g.
  // more evaluation episodes) must not change the training run.
  const root = makeRng(seed);
  const collectRng = root.fork(), labelRng = root.fork(), updateRng = root.fork(), evalRng = root.fork();
  const greedyRng = root.fork();
  const upper = isOracle ? null : makeNeuralUpperLevel(opts.algo, env, opts, seed, config);
  const lower = isOracle
    ? new OracleLowerLevel(O, A, opts.gamma, opts.tau, seed, config.lowerLevel)
    : new LowerLevel(O, A, opts.gamma, opts.tau, seed, config.lowerLevel);
  const teacher = makeTeacher(opts.teacher as Partial<TeacherConfig>);
  const collector = new ExperienceCollector(env, config.numEnvs, collectRng);

  const iterations = Math.ceil(opts.labels / opts.pairsPerIter);
  const curve: Array<[number, number]> = [[0, evaluateReturn(env, lower.policy, config.evalEpisodes, evalRng)]];
  const metrics: SeedRun['metrics'] = [];
  let all: PairBatch | null = null;
  let used = 0, asked = 0;
  try {
    for (let k = 0; k < iterations && asked < opts.labels * 10; k++) {
      const started = Date.now();
      const fresh = collector.collect(lower.policy, config.envStepsPerIter);
      lower.add(fresh);
      const row: Record<string, number> = {};
      if (upper) {
        const wanted = Math.min(opts.pairsPerIter, opts.labels - used);
        const pairs = gatherPairs(env, fresh, wanted, opts.horizon, teacher, labelRng);
        asked += wanted;
        if (pairs.length > 0) {
          const freshBatch = packPairs(env, pairs, opts.horizon);
          all = all ? concatBatches(all, freshBatch) : freshBatch;
          used += pairs.length;
          Object.assign(row, await upper.update({ env, all, fresh: freshBatch, freshPairs: pairs, policy: lower.policy, k }));
        }
        if (all) {
          row['loss/td'] = lower.train(upper.rewardModel, updateRng);
          Object.assign(row, rewardStats(upper, fresh, O));
        }
      } else {
        used = Math.min(opts.labels, used + opts.pairsPerIter);
        row['loss/td'] = (lower as OracleLowerLevel).trainOnTruth(updateRng);
      }
      const last = k === iterations - 1 || used >= opts.labels;
      const ret = evaluateReturn(env, lower.policy, last ? config.finalEvalEpisodes : config.evalEpisodes, evalRng);
      row['return/true'] = ret;
      if (config.evalGreedy) row['return/greedy'] = evaluateReturn(env, greedyPolicy(lower.policy, A), last ? config.finalEvalEpisodes : config.evalEpisodes, greedyRng);
      row['time/iteration_s'] = (Date.now() - started) / 1000;
      metrics.push(row);
      curve.push([used, ret]);
      onIteration?.(used);
      if (process.env.SOBIRL_VERBOSE) process.stderr.write(`[${opts.algo} seed ${seed}] k=${k} ${JSON.stringify(row)}\n`);
      if (used >= opts.labels) break;
    }
  } finally {
    upper?.dispose();
    lower.dispose();
  }
  const finalReturn = curve[curve.length - 1]![1];
  if (isOracle) oracleCache.set(oracleKey(opts, seed, config), finalReturn);
  return { seed, curve, metrics, finalReturn };
}

/** Oracle final returns, memoised per (options, seed): `simulate --algo oracle` and the oracle line share runs. */
const oracleCache = new Map<string, number>();

function oracleKey(opts: SimulateOptions, seed: number, config: NeuralRunConfig): string {
  return JSON.stringify([opts.env, opts.labels, opts.pairsPerIter, opts.gamma, opts.tau, seed, config]);
}

/**
 * Mean final return of the oracle over the same seeds (0..seeds-1) and the same schedule (env
 * steps and Q updates per iteration, number of iterations) as the learners.
 */
export async function oracleReturnNeural(opts: SimulateOptions, config: NeuralRunConfig = DEFAULT_NEURAL_RUN): Promise<number> {
  const finals: number[] = [];
  for (let seed = 0; seed < opts.seeds; seed++) {
    finals.push(oracleCache.get(oracleKey(opts, seed, config))
      ?? (await simulateNeuralSeed({ ...opts, algo: 'oracle' }, seed, undefined, config)).finalReturn);
  }
  return finals.reduce((s, v) => s + v, 0) / Math.max(finals.length, 1);
}
