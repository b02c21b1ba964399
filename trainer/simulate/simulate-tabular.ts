import { makeRng, type Rng } from '../core/rng';
import { getEnv } from '../envs';
import type { LabeledPair } from '../preference/types';
import { makeDrlhf, DEFAULT_DRLHF } from '../algorithms/drlhf';
import { makeOracle } from '../algorithms/oracle';
import { makeSobirl, DEFAULT_SOBIRL } from '../algorithms/sobirl';
import { makeStocSobirl, DEFAULT_STOC_SOBIRL } from '../algorithms/stoc-sobirl';
import { makeMSobirlLearner, DEFAULT_M_SOBIRL_RLHF } from '../algorithms/m-sobirl-rlhf';
import { makePbrl, DEFAULT_PBRL } from '../algorithms/pbrl';
import { makeHpgd, DEFAULT_HPGD } from '../algorithms/hpgd';
import type { TabularLearner } from '../algorithms/tabular-learner';
import {
  makeTabularSetup, sampleTabularSegment, toLinearPair, trueReturn, type LinearPair, type TabularSetup,
} from '../algorithms/tabular-rlhf';
import { simulateSeed } from './simulate';
import type { Metrics, PairDrawer, SimulationEngine } from './simulation-engine';
import type { AlgorithmName, SimulateOptions, SeedRun } from './types';


/**
 * The tabular engine in simulation (simulate.ts runs the loop): the algorithm's learner as
 * `simulate` seeds it (the service seeds its own: trainer/service/tabular-engine.ts).
 */
export function makeTabularLearner(
  algo: AlgorithmName, setup: TabularSetup, seed: number, gradient: SimulateOptions['gradient'] = 'exact',
  overrides: SimulateOptions['algorithmConfig'] = {},
): TabularLearner {
  const o = <T extends object>(defaults: T): T => strictOverrides(algo, defaults, overrides ?? {});
  switch (algo) {
    case 'sobirl': return makeSobirl(setup, o({ ...DEFAULT_SOBIRL, gradientSource: gradient, seed: seed * 104729 + 7 }));
    case 'drlhf': return makeDrlhf(setup, o(DEFAULT_DRLHF));
    case 'stoc-sobirl': return makeStocSobirl(setup, makeRng(seed * 7919 + 1), o(DEFAULT_STOC_SOBIRL));
    case 'm-sobirl': return makeMSobirlLearner(setup, o(DEFAULT_M_SOBIRL_RLHF));
    case 'pbrl': return makePbrl(setup, o(DEFAULT_PBRL));
    case 'hpgd': return makeHpgd(setup, o({ ...DEFAULT_HPGD, seed: seed * 15485863 + 3 }));
    case 'oracle': return makeOracle(setup);
  }
}

/**
 * The algorithm's defaults with `overrides` applied; an unknown key or a value of the wrong type
 * is an error naming it (a sweep must not run the defaults because a setting was misspelt).
 */
function strictOverrides<T extends object>(algo: string, defaults: T, overrides: NonNullable<SimulateOptions['algorithmConfig']>): T {
  const base = defaults as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in base)) throw new Error(`algorithm config: '${key}' is not a setting of ${algo}; known: ${Object.keys(base).join(', ')}`);
    if (typeof base[key] !== typeof value) throw new Error(`algorithm config: ${algo}.${key} must be a ${typeof base[key]}, got ${JSON.stringify(value)}`);
  }
  return { ...defaults, ...overrides } as T;
}

/** One seed of the tabular engine: the learner, its setup, and one stream for clips and answers. */
export class TabularSimulation implements SimulationEngine {
  readonly maxIterations = Infinity;
  readonly labelRng: Rng;
  readonly asksTeacher = true;
  private readonly setup: TabularSetup;
  private readonly learner: TabularLearner;
  private readonly all: LinearPair[] = [];

  constructor(private readonly opts: SimulateOptions, seed: number) {
    this.setup = makeTabularSetup(getEnv(opts.env), opts.gamma, opts.tau, opts.features ?? 'state', opts.start);
    this.learner = makeTabularLearner(opts.algo, this.setup, seed, opts.gradient, opts.algorithmConfig);
    this.labelRng = makeRng(seed);
  }

  labelsUsed(): number {
    return this.all.length;
  }

  /** Segments are sampled from pi with the env's exact model. */
  gather(): PairDrawer {
    const { setup, learner, opts } = this;
    return (rng) => [sampleTabularSegment(setup, learner.pi, opts.horizon, rng), sampleTabularSegment(setup, learner.pi, opts.horizon, rng)];
  }

  /** The algorithm's outer iteration: upper-level step(s) on x with its warm-started lower-level sweeps inside. */
  async updateReward(fresh: readonly LabeledPair[], k: number): Promise<Metrics | null> {
    const pairs = fresh.map((pair) => toLinearPair(this.setup, pair));
    this.all.push(...pairs);
    if (this.opts.algo !== 'oracle' && pairs.length === 0) return null;
    return { ...this.learner.iterate(this.all, pairs, k) };
  }

  /** Done inside the algorithm's iteration (M-SoBiRL is single-loop). */
  updatePolicy(): Metrics {
    return {};
  }

  /** Exact policy evaluation from the run's start distribution (uniform unless --start). */
  evaluate(): { value: number; metrics: Metrics } {
    return { value: trueReturn(this.setup, this.learner.pi), metrics: {} };
  }

  dispose(): void {}
}

export function simulateSeedOn(opts: SimulateOptions, seed: number, onIteration?: (labelsUsed: number) => void): Promise<SeedRun> {
  return simulateSeed(new TabularSimulation(opts, seed), opts, seed, onIteration);
}

export async function oracleReturn(opts: Pick<SimulateOptions, 'env' | 'gamma' | 'tau' | 'start'>): Promise<number> {
  return oracleReturnTabular(opts);
}

export function oracleReturnTabular(opts: Pick<SimulateOptions, 'env' | 'gamma' | 'tau' | 'start'>): number {
  const setup = makeTabularSetup(getEnv(opts.env), opts.gamma, opts.tau, 'state', opts.start);
  return trueReturn(setup, makeOracle(setup).pi);
}

/** Exact evaluation of the uniformly random policy from the run's start distribution. */
export async function randomReturn(opts: Pick<SimulateOptions, 'env' | 'gamma' | 'tau' | 'start'>): Promise<number> {
  const setup = makeTabularSetup(getEnv(opts.env), opts.gamma, opts.tau, 'state', opts.start);
  return trueReturn(setup, new Float64Array(setup.mdp.S * setup.mdp.A).fill(1 / setup.mdp.A));
}
