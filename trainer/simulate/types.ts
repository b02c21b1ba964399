import type { AlgorithmName } from '../contracts/algorithms';
import type { StartSpec } from '../envs/start';
import type { TeacherJudgement } from '../contracts/teacher-names';

export { ALGORITHMS, type AlgorithmName } from '../contracts/algorithms';

export interface SimulateOptions {
  env: string;
  algo: AlgorithmName;
  /** Label budget per seed (skipped queries do not count). */
  labels: number;
  seeds: number;
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
  finalReturn: { mean: number; std: number };
  oracleReturn: number;
  /** The uniformly random policy's true return, measured the way finalReturn is (the 0% of "% of the way to the oracle"). */
  randomReturn: number;
  curve: Array<[number, number]>;
}
