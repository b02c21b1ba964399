/**
 * The run `simulate()` plays, with no database behind it: the run's columns an engine reads
 * (built from the simulation's options) and its past (`RunHistory`) kept in memory. An engine
 * cannot tell it from a stored run, so the service's engines run unchanged.
 */
import type { EngineRun, Metrics, RunHistory } from '../service/engine';
import type { LabelRow, PairSpec } from '../service/store';
import type { RunSettings } from '../contracts/run-config';
import { getEnv } from '../envs';
import { formatStart } from '../envs/start';
import type { PreferenceLabel } from '../preference/types';
import type { SimulateOptions } from './types';

/** No stored run has id 0 (ids start at 1): the engines' streams are seeded by (seed, 0, ...). */
export const SIMULATED_RUN_ID = 0;

/**
 * The run of one seed: the options as a run config (the engines read nothing else). Pairs are
 * drawn uniformly from the current policy, as a simulation always drew them; `gradient` is
 * SoBiRL's `gradientSource` setting.
 */
export function simulatedRun(opts: SimulateOptions, seed: number): EngineRun {
  const algorithm: Record<string, number | boolean | string> = { ...opts.algorithmConfig };
  if (opts.gradient && opts.algo === 'sobirl') algorithm.gradientSource = opts.gradient;
  // The rest (queue sizing, gold pairs, ...) is the service's and keeps its defaults.
  const config = {
    seed, gamma: opts.gamma, tau: opts.tau, horizon: opts.horizon, features: opts.features ?? 'state',
    // A start state exists on tabular envs only (the command line refuses --start elsewhere).
    start: opts.start ? formatStart(opts.start, getEnv(opts.env)) : 'uniform', querySelection: 'uniform', algorithm,
    ...(opts.neural ? { neural: opts.neural } : {}),
  } satisfies Partial<RunSettings>;
  return {
    id: SIMULATED_RUN_ID, envId: opts.env, algorithm: opts.algo, config, iteration: 0,
    labelBatchSize: opts.pairsPerIter, labelsWanted: 1,
  };
}

/** The run's labels, metrics and waiting pairs, in memory: what the driver reads from store.ts. */
export class InMemoryHistory implements RunHistory {
  private readonly rows: LabelRow[] = [];
  private readonly metricRows: Metrics[] = [];
  private waiting = 0;

  /** Labels so far (the curve's x axis). */
  get labelCount(): number {
    return this.rows.length;
  }

  /** The id of the newest label (0 before the first): the watermark an iteration reads up to. */
  get maxLabelId(): number {
    return this.rows.at(-1)?.labelId ?? 0;
  }

  /** A teacher's answer on `pair`, drawn by the policy of checkpoint `checkpointId`. */
  addLabel(pair: PairSpec, y: PreferenceLabel, checkpointId: number): void {
    const clip = (c: PairSpec['first']) => ({ states: c.states, actions: c.actions, logProbs: c.logProbs });
    this.rows.push({ labelId: this.rows.length + 1, y, pairCheckpointId: checkpointId, first: clip(pair.first), second: clip(pair.second) });
  }

  addMetrics(metrics: Metrics): void {
    this.metricRows.push(metrics);
  }

  setPending(count: number): void {
    this.waiting = count;
  }

  async labels(upToId: number): Promise<LabelRow[]> {
    return this.rows.filter((row) => row.labelId <= upToId);
  }

  async latestMetric(name: string): Promise<number | undefined> {
    for (let i = this.metricRows.length - 1; i >= 0; i--) {
      const value = this.metricRows[i]![name];
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** All of a simulation's labels arrive at once (the teacher answers instantly). */
  async labelArrival(afterId: number, upToId: number): Promise<{ count: number; spanMs: number }> {
    return { count: this.rows.filter((row) => row.labelId > afterId && row.labelId <= upToId).length, spanMs: 0 };
  }

  async pendingPairs(): Promise<number> {
    return this.waiting;
  }

  /** No clock: a simulation asks for exactly the labels it wants (the queue sizing never runs). */
  async labelRate(): Promise<number> {
    return 0;
  }
}
