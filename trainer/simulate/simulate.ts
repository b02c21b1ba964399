import { getEnv } from '../envs';
import type { SeedRun, SimulateOptions, SimulateReport } from './types';
import { oracleReturnTabular, simulateTabularSeed } from './simulate-tabular';

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
 * Run the loop for seeds 0..seeds-1 and aggregate. Tabular envs use the exact engine; the
 * neural engine handles the rest.
 */
export async function simulate(opts: SimulateOptions, onProgress?: (seed: number, labelsUsed: number) => void): Promise<SimulateReport & { runs: SeedRun[] }> {
  const env = getEnv(opts.env);
  const runs: SeedRun[] = [];
  let oracleReturn: number;
  if (env.tabular) {
    for (let seed = 0; seed < opts.seeds; seed++) {
      runs.push(simulateTabularSeed(opts, seed, (used) => onProgress?.(seed, used)));
    }
    oracleReturn = oracleReturnTabular(opts);
  } else {
    const { simulateNeuralSeed, oracleReturnNeural } = await import('./simulate-neural');
    for (let seed = 0; seed < opts.seeds; seed++) {
      runs.push(await simulateNeuralSeed(opts, seed, (used) => onProgress?.(seed, used)));
    }
    oracleReturn = await oracleReturnNeural(opts);
  }
  const finals = runs.map((r) => r.finalReturn);
  return {
    env: opts.env,
    algo: opts.algo,
    labels: opts.labels,
    seeds: opts.seeds,
    finalReturn: { mean: mean(finals), std: std(finals) },
    oracleReturn,
    curve: averageCurves(runs),
    runs,
  };
}
