/**
 * Runs a sweep grid (grid.ts): every task x variant x reported seed through the `simulate` loop
 * (on the tabular engine), and collects one results file. Cells already in `previous` (same task,
 * variant, config, labels and seeds) are kept, not rerun: a sweep interrupted part-way resumes.
 */
import { getEnv } from '../envs';
import { rlhfDefaults } from '../envs/rlhf-defaults';
import { parseStart } from '../envs/start';
import { makeTabularSetup } from '../algorithms/tabular-rlhf';
import { checkTabularOverrides } from '../service/tabular-engine';
import { oracleReturn, simulateSeedOn } from '../simulate/simulate';
import type { AlgorithmName, SimulateOptions } from '../simulate/types';
import type { SweepGrid } from './grid';

export interface SeedResult {
  seed: number;
  finalReturn: number;
  /** [labels used, true return] after every outer iteration (returns rounded to 1e-6). */
  curve: Array<[number, number]>;
}

export interface CellResult {
  env: string;
  start: string;
  variant: string;
  algo: AlgorithmName;
  config: Record<string, number | boolean | string>;
  study: boolean;
  labels: number;
  /** The oracle's exact return from the same start distribution. */
  oracleReturn: number;
  seeds: SeedResult[];
  seconds: number;
}

export interface SweepResults {
  grid: SweepGrid;
  cells: CellResult[];
}

export function cellOptions(grid: SweepGrid, task: SweepGrid['tasks'][number], variant: SweepGrid['variants'][number]): SimulateOptions {
  const d = rlhfDefaults(task.env);
  return {
    env: task.env,
    algo: variant.algo,
    labels: grid.labels,
    seeds: grid.seeds.length,
    pairsPerIter: d.pairsPerIter,
    horizon: d.horizon,
    gamma: d.gamma,
    tau: d.tau,
    start: parseStart(task.start, getEnv(task.env)),
    algorithmConfig: variant.config,
    teacher: { beta: d.beta },
  };
}

const sameCell = (a: CellResult, env: string, start: string, v: SweepGrid['variants'][number], grid: SweepGrid) =>
  a.env === env && a.start === start && a.variant === v.id && a.algo === v.algo && a.labels === grid.labels &&
  JSON.stringify(a.config) === JSON.stringify(v.config) && JSON.stringify(a.seeds.map((s) => s.seed)) === JSON.stringify(grid.seeds);

/** Every variant's config is checked against its learner before the first run starts. */
export function checkVariants(grid: SweepGrid): void {
  for (const task of grid.tasks) {
    for (const v of grid.variants) {
      const opts = cellOptions(grid, task, v);
      checkTabularOverrides(v.algo, makeTabularSetup(getEnv(task.env), opts.gamma, opts.tau, 'state', opts.start), v.config);
    }
  }
}

export async function runSweep(
  grid: SweepGrid,
  previous: readonly CellResult[] = [],
  onCell: (cell: CellResult, done: number, total: number) => void = () => {},
): Promise<SweepResults> {
  checkVariants(grid);
  const cells: CellResult[] = [];
  const total = grid.tasks.length * grid.variants.length;
  // The algorithms' variants first, then the study's: the main table fills in first.
  const ordered = [...grid.variants.filter((v) => !v.study), ...grid.variants.filter((v) => v.study)];
  for (const v of ordered) {
    for (const task of grid.tasks) {
      const kept = previous.find((c) => sameCell(c, task.env, task.start, v, grid));
      if (kept) { cells.push(kept); onCell(kept, cells.length, total); continue; }
      const opts = cellOptions(grid, task, v);
      const started = Date.now();
      const seeds: SeedResult[] = [];
      for (const seed of grid.seeds) {
        const run = await simulateSeedOn(opts, seed);
        seeds.push({ seed, finalReturn: run.finalReturn, curve: run.curve.map(([l, r]) => [l, Math.round(r * 1e6) / 1e6]) });
      }
      // The tabular oracle is soft value iteration on the true reward: one seed gives its return.
      const cell: CellResult = {
        env: task.env, start: task.start, variant: v.id, algo: v.algo, config: v.config, study: v.study,
        labels: grid.labels, oracleReturn: await oracleReturn({ ...opts, seeds: 1 }), seeds, seconds: (Date.now() - started) / 1000,
      };
      cells.push(cell);
      onCell(cell, cells.length, total);
    }
  }
  return { grid, cells };
}
