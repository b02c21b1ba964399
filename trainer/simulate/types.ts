import type { AlgorithmName } from '../contracts/algorithms';
import type { StartSpec } from '../envs/start';
import type { TeacherJudgement } from '../contracts/teacher-names';
import type { NeuralSettings, QuerySelection } from '../contracts/run-config';

export { ALGORITHMS, type AlgorithmName } from '../contracts/algorithms';

export interface SimulateOptions {
  env: string;
  algo: AlgorithmName;
  /** Label budget per seed (skipped queries do not count). */
  labels: number;
  /** Seeds 0..seeds-1, unless `seedList` names them. */
  seeds: number;
  /** The seeds to run, in order (e.g. the tuning seeds 100, 101); overrides 0..seeds-1. */
  seedList?: readonly number[];
  /** Leave the oracle line out (its own runs double a learner's time); the report's oracleReturn is then null. */
  skipOracle?: boolean;
  pairsPerIter: number;
  /** Segment length H. */
  horizon: number;
  gamma: number;
  /** The oracle's discount where it differs from the learners' (envs/rlhf-defaults.ts); absent = gamma. */
  oracleGamma?: number;
  tau: number;
  /** Tabular envs only: one-hot 'state' or 'state-action' reward features (see tabular-rlhf.ts). */
  features?: 'state' | 'state-action';
  /** Tabular envs: where clips and the exact evaluation start (envs/start.ts); uniform when absent. */
  start?: StartSpec;
  /** Tabular envs: overrides of the algorithm's config fields (e.g. SoBiRL's exploration settings). */
  algorithmConfig?: Readonly<Record<string, number | boolean | string>>;
  /** Neural envs: overrides of the run's schedule (contracts/run-config.ts neuralSettingsSchema: envStepsPerIter, updatesPerIter, ...). */
  neural?: Readonly<NeuralSettings>;
  /** How the engine picks the next pairs among the current policy's clips; absent = 'uniform' (a simulation's historical default). */
  querySelection?: QuerySelection;
  /** Disagreement selection: candidate pairs scored per pair kept (absent: the service's default, contracts/run-config.ts). */
  oversample?: number;
  /** SoBiRL on tabular envs: where grad(Q - V) comes from (algorithms/tabular-scores.ts). */
  gradient?: 'exact' | 'rollout' | 'suffix';
  /** Scripted teacher settings (trainer/teachers). */
  teacher: { beta: number; mistake?: number; equalThreshold?: number; skipThreshold?: number | null; myopicGamma?: number };
  /** What the teacher judges clips by (trainer/teachers/scripted.ts); absent = 'true-reward'. */
  judgement?: TeacherJudgement;
  /** The scripted judgement's weight of the env's progress (absent: the env's own, trainer/envs). */
  progressWeight?: number;
}

export interface SeedRun {
  seed: number;
  /** [labels used, true return of the policy] after each outer iteration (first point: start). */
  curve: Array<[number, number]>;
  /** Per outer iteration, keyed like IterationMetrics ('loss/preference', 'hypergrad/norm', ...). */
  metrics: Array<Readonly<Record<string, number>>>;
  finalReturn: number;
}

/** What `simulate --json` prints. */
export interface SimulateReport {
  env: string;
  algo: AlgorithmName;
  labels: number;
  /** How many seeds ran (their ids and final returns: perSeed). */
  seeds: number;
  /** Each seed's final return and wall time, in the order run. */
  perSeed: Array<{ seed: number; finalReturn: number; finalGreedyReturn?: number; seconds: number }>;
  /** What the teacher judged by: results of the two judgements are never pooled. */
  teacher: TeacherJudgement;
  /** How the pairs were chosen (uniformly from the policy's clips, or by the ensemble's disagreement). */
  querySelection: QuerySelection;
  /** The teacher's equal threshold where it answers "equal" (y = 0.5): such results are kept apart too. */
  equalThreshold?: number;
  finalReturn: { mean: number; std: number };
  /**
   * Continuous envs: the deterministic tanh(mu) policy's final return (the last iteration's
   * 'return/greedy'), as SAC papers report beside the sampled one; absent where no engine reports it.
   */
  finalGreedyReturn?: { mean: number; std: number };
  /** The oracle's mean final return over the same seeds; null with skipOracle. */
  oracleReturn: number | null;
  /** The uniformly random policy's true return, measured the way finalReturn is (the 0% of "% of the way to the oracle"). */
  randomReturn: number;
  curve: Array<[number, number]>;
}
