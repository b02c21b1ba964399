import type { AlgorithmName } from '../contracts/algorithms';
import type { StartSpec } from '../envs/start';
import type { TeacherJudgement } from '../contracts/teacher-names';
import type { NeuralSettings } from '../contracts/run-config';

export { ALGORITHMS, type AlgorithmName } from '../contracts/algorithms';

export interface SimulateOptions {
  env: string;
  algo: AlgorithmName;
  /** Label budget per seed (skipped queries do not count). */
  labels: number;
  /** Seeds 0..seeds-1, unless `seedList` names them. */
  seeds: number;
  /** The seeds to run instead of 0..seeds-1 (one seed per process: tuning seeds apart from reported ones). */
  seedList?: readonly number[];
  /** Leave out the oracle line (its own runs: `--algo oracle`); the report's oracleReturn is then null. */
  noOracle?: boolean;
  /** Neural and continuous envs: the run config's `neural` overrides (contracts/run-config.ts). */
  neural?: NeuralSettings;
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
  /** SoBiRL on tabular envs: where grad(Q - V) comes from (algorithms/tabular-scores.ts). */
  gradient?: 'exact' | 'rollout' | 'suffix';
  /** Scripted teacher settings (trainer/teachers). */
  teacher: { beta: number; mistake?: number; equalThreshold?: number; skipThreshold?: number | null; myopicGamma?: number };
  /** What the teacher judges clips by (trainer/teachers/scripted.ts); absent = 'true-reward'. */
  judgement?: TeacherJudgement;
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
  seeds: number;
  /** What the teacher judged by: results of the two judgements are never pooled. */
  teacher: TeacherJudgement;
  /** The teacher's equal threshold where it answers "equal" (y = 0.5): such results are kept apart too. */
  equalThreshold?: number;
  finalReturn: { mean: number; std: number };
  /**
   * Continuous envs: the deterministic tanh(mu) policy's final return (the last iteration's
   * 'return/greedy'), as SAC papers report beside the sampled one; absent where no engine reports it.
   */
  finalGreedyReturn?: { mean: number; std: number };
  /** Per seed: the final return (and the greedy one where reported) and the seed's wall time. */
  perSeed: Array<{ seed: number; finalReturn: number; finalGreedyReturn?: number; seconds: number }>;
  /** null: left out (`noOracle`). */
  oracleReturn: number | null;
  /** The uniformly random policy's true return, measured the way finalReturn is (the 0% of "% of the way to the oracle"). */
  randomReturn: number;
  curve: Array<[number, number]>;
}
