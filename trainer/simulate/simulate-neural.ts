import { makeRng, type Rng } from '../core/rng';
import { getEnv } from '../envs';
import type { Env } from '../envs/types';
import { initBackend } from '../models/backend';
import type { LabeledPair } from '../preference/types';
import {
  ExperienceCollector, cutSegment, evaluateReturn, greedyPolicy, validSegmentStarts, type Transition,
} from '../algorithms/neural/experience';
import type { NeuralUpperLevel } from '../algorithms/neural/learner';
import { LowerLevel } from '../algorithms/neural/lower-level';
import { DEFAULT_NEURAL_RUN, makeNeuralUpperLevel, type NeuralRunConfig } from '../algorithms/neural/run-config';
import { concatBatches, packPairs, type PairBatch } from '../algorithms/neural/neural-rlhf';
import { OracleLowerLevel } from '../algorithms/neural/oracle';
import { simulateSeed } from './simulate';
import type { Metrics, PairDrawer, SimulationEngine } from './simulation-engine';
import type { SeedRun, SimulateOptions } from './types';

/**
 * The neural engine in simulation (simulate.ts runs the loop), per seed:
 *   gather    env steps with the current soft policy (parallel episodes, into replay), and
 *             pairs of `horizon`-step segments cut from THESE fresh trajectories;
 *   reward    the algorithm's upper-level steps on the reward model (SoBiRL: hyper-gradient;
 *             DRLHF: preference loss only);
 *   policy    N soft Q updates, warm-started, replay relabelled with the CURRENT reward model.
 */
export { DEFAULT_NEURAL_RUN, makeNeuralUpperLevel, type NeuralRunConfig } from '../algorithms/neural/run-config';

/** Mean and std of r_x on this iteration's transitions: the scale and sign the lower level sees. */
function rewardStats(upper: NeuralUpperLevel, fresh: readonly Transition[], obsSize: number): Record<string, number> {
  const obs = new Float32Array(fresh.length * obsSize);
  fresh.forEach((tr, i) => obs.set(tr.obs, i * obsSize));
  const r = upper.rewardModel.predictRewards(obs, Int32Array.from(fresh, (tr) => tr.action));
  const mean = r.reduce((s, v) => s + v, 0) / Math.max(r.length, 1);
  const variance = r.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(r.length, 1);
  return { 'reward/mean': mean, 'reward/std': Math.sqrt(variance) };
}

/**
 * One seed of the neural engine. Separate random streams: collection, labels/segments, Q
 * updates, evaluation (and the greedy evaluation). Changing one (e.g. more evaluation episodes)
 * must not change the training run.
 */
export class NeuralSimulation implements SimulationEngine {
  readonly maxIterations: number;
  readonly labelRng: Rng;
  readonly asksTeacher: boolean;
  private readonly env: Env<unknown>;
  private readonly updateRng: Rng;
  private readonly evalRng: Rng;
  private readonly greedyRng: Rng;
  private readonly upper: NeuralUpperLevel | null;
  private readonly lower: LowerLevel | OracleLowerLevel;
  private readonly collector: ExperienceCollector<unknown>;
  /** This iteration's transitions (gathered with the current policy). */
  private fresh: Transition[] = [];
  private all: PairBatch | null = null;
  private used = 0;

  /** Call `initBackend()` first (`create` does). */
  constructor(private readonly opts: SimulateOptions, seed: number, private readonly config: NeuralRunConfig) {
    this.env = getEnv(opts.env) as Env<unknown>;
    const isOracle = opts.algo === 'oracle';
    this.asksTeacher = !isOracle;
    const O = this.env.observationSize, A = this.env.actionNames.length;
    const root = makeRng(seed);
    const collectRng = root.fork();
    this.labelRng = root.fork();
    this.updateRng = root.fork();
    this.evalRng = root.fork();
    this.greedyRng = root.fork();
    this.upper = isOracle ? null : makeNeuralUpperLevel(opts.algo, this.env, opts, seed, config);
    this.lower = isOracle
      ? new OracleLowerLevel(O, A, opts.oracleGamma ?? opts.gamma, opts.tau, seed, config.lowerLevel)
      : new LowerLevel(O, A, opts.gamma, opts.tau, seed, config.lowerLevel);
    this.collector = new ExperienceCollector(this.env, config.numEnvs, collectRng, config.actionPersistence ?? 0);
    this.maxIterations = Math.ceil(opts.labels / opts.pairsPerIter);
  }

  static async create(opts: SimulateOptions, seed: number, config: NeuralRunConfig = DEFAULT_NEURAL_RUN): Promise<NeuralSimulation> {
    await initBackend();
    return new NeuralSimulation(opts, seed, config);
  }

  labelsUsed(): number {
    return this.used;
  }

  /** Env steps with the current soft policy (parallel episodes, into the replay); clips are cut from THESE. */
  gather(): PairDrawer | null {
    const fresh = this.collector.collect(this.lower.policy, this.config.envStepsPerIter);
    this.lower.add(fresh);
    this.fresh = fresh;
    const { env, opts } = this;
    const starts = validSegmentStarts(fresh, opts.horizon);
    if (starts.length === 0) return null;
    return (rng) => [
      cutSegment(env.id, fresh, starts[rng.int(starts.length)]!, opts.horizon),
      cutSegment(env.id, fresh, starts[rng.int(starts.length)]!, opts.horizon),
    ];
  }

  /** SoBiRL: hyper-gradient steps; DRLHF: preference loss only; the oracle counts the labels it would have had. */
  async updateReward(fresh: readonly LabeledPair[], k: number): Promise<Metrics> {
    const row: Metrics = {};
    if (!this.upper) {
      this.used = Math.min(this.opts.labels, this.used + this.opts.pairsPerIter);
      return row;
    }
    if (fresh.length > 0) {
      const freshBatch = packPairs(this.env, fresh, this.opts.horizon);
      this.all = this.all ? concatBatches(this.all, freshBatch) : freshBatch;
      this.used += fresh.length;
      Object.assign(row, await this.upper.update({ env: this.env, all: this.all, fresh: freshBatch, freshPairs: fresh, policy: this.lower.policy, k }));
    }
    return row;
  }

  /** N soft Q updates, warm-started, replay relabelled with the CURRENT reward model (the oracle: the true reward). */
  updatePolicy(): Metrics {
    if (!this.upper) return { 'loss/td': (this.lower as OracleLowerLevel).trainOnTruth(this.updateRng) };
    if (!this.all) return {};
    return { 'loss/td': this.lower.train(this.upper.rewardModel, this.updateRng), ...rewardStats(this.upper, this.fresh, this.env.observationSize) };
  }

  /** Mean true return of evaluation episodes (more for the final point), and the greedy policy's when asked. */
  evaluate(final: boolean, iterationStartedAt: number | null): { value: number; metrics: Metrics } {
    const { env, config } = this;
    const episodes = final ? config.finalEvalEpisodes : config.evalEpisodes;
    const value = evaluateReturn(env, this.lower.policy, episodes, this.evalRng);
    if (iterationStartedAt === null) return { value, metrics: {} };
    const metrics: Metrics = { 'return/true': value };
    if (config.evalGreedy) metrics['return/greedy'] = evaluateReturn(env, greedyPolicy(this.lower.policy, env.actionNames.length), episodes, this.greedyRng);
    metrics['time/iteration_s'] = (Date.now() - iterationStartedAt) / 1000;
    return { value, metrics };
  }

  dispose(): void {
    this.upper?.dispose();
    this.lower.dispose();
  }
}

/**
 * The RLHF loop (simulate.ts) on a non-tabular environment, per seed. After every outer
 * iteration: [labels used, mean true return of evaluation episodes]. The oracle runs the same
 * schedule (same env steps and Q updates per iteration) on the true reward, and its curve is
 * indexed by the labels the learners would have used by then.
 */
export async function simulateNeuralSeed(
  opts: SimulateOptions, seed: number, onIteration?: (labelsUsed: number) => void,
  config: NeuralRunConfig = DEFAULT_NEURAL_RUN,
): Promise<SeedRun> {
  const run = await simulateSeed(await NeuralSimulation.create(opts, seed, config), opts, seed, onIteration);
  if (opts.algo === 'oracle') oracleCache.set(oracleKey(opts, seed, config), run.finalReturn);
  return run;
}

export const simulateSeedOn = simulateNeuralSeed;

/** Oracle final returns, memoised per (options, seed): `simulate --algo oracle` and the oracle line share runs. */
const oracleCache = new Map<string, number>();

function oracleKey(opts: SimulateOptions, seed: number, config: NeuralRunConfig): string {
  return JSON.stringify([opts.env, opts.labels, opts.pairsPerIter, opts.oracleGamma ?? opts.gamma, opts.tau, seed, config]);
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

export const oracleReturn = (opts: SimulateOptions): Promise<number> => oracleReturnNeural(opts);

/** Episodes of the uniformly random policy behind `randomReturn` (its own fixed Rng stream: the same for every algorithm). */
const RANDOM_POLICY_EPISODES = 200;

/** Mean true return of the uniformly random policy over RANDOM_POLICY_EPISODES full episodes. */
export async function randomReturn(opts: Pick<SimulateOptions, 'env'>): Promise<number> {
  const env = getEnv(opts.env);
  const A = env.actionNames.length;
  return evaluateReturn(env, (_obs, n) => new Float32Array(n * A).fill(1 / A), RANDOM_POLICY_EPISODES, makeRng(0x5eed));
}
