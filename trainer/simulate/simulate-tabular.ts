import { makeRng, type Rng } from '../core/rng';
import { getEnv } from '../envs';
import type { LabeledPair } from '../preference/types';
import { makeDrlhf, DEFAULT_DRLHF } from '../algorithms/drlhf';
import { makeOracle } from '../algorithms/oracle';
import { makeSobirl, DEFAULT_SOBIRL } from '../algorithms/sobirl';
import { makeStocSobirl, DEFAULT_STOC_SOBIRL } from '../algorithms/stoc-sobirl';
import { makeMSobirlLearner, DEFAULT_M_SOBIRL_RLHF } from '../algorithms/m-sobirl-rlhf';
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
export function makeTabularLearner(algo: AlgorithmName, setup: TabularSetup, seed: number, gradient: SimulateOptions['gradient'] = 'exact'): TabularLearner {
  switch (algo) {
    case 'sobirl': return makeSobirl(setup, { ...DEFAULT_SOBIRL, gradientSource: gradient, seed: seed * 104729 + 7 });
    case 'drlhf': return makeDrlhf(setup, DEFAULT_DRLHF);
    case 'stoc-sobirl': return makeStocSobirl(setup, makeRng(seed * 7919 + 1), DEFAULT_STOC_SOBIRL);
    case 'm-sobirl': return makeMSobirlLearner(setup, DEFAULT_M_SOBIRL_RLHF);
    case 'oracle': return makeOracle(setup);
  }
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
    this.setup = makeTabularSetup(getEnv(opts.env), opts.gamma, opts.tau, opts.features ?? 'state');
    this.learner = makeTabularLearner(opts.algo, this.setup, seed, opts.gradient);
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

  /** Exact policy evaluation from a uniform start. */
  evaluate(): { value: number; metrics: Metrics } {
    return { value: trueReturn(this.setup, this.learner.pi), metrics: {} };
  }

  dispose(): void {}
}

export function simulateSeedOn(opts: SimulateOptions, seed: number, onIteration?: (labelsUsed: number) => void): Promise<SeedRun> {
  return simulateSeed(new TabularSimulation(opts, seed), opts, seed, onIteration);
}

export async function oracleReturn(opts: Pick<SimulateOptions, 'env' | 'gamma' | 'tau'>): Promise<number> {
  return oracleReturnTabular(opts);
}

export function oracleReturnTabular(opts: Pick<SimulateOptions, 'env' | 'gamma' | 'tau'>): number {
  const setup = makeTabularSetup(getEnv(opts.env), opts.gamma, opts.tau, 'state');
  return trueReturn(setup, makeOracle(setup).pi);
}
