import { makeRng } from '../core/rng';
import { getEnv } from '../envs';
import type { LabeledPair } from '../preference/types';
import { makeTeacher, type TeacherConfig } from '../teachers';
import { makeDrlhf, DEFAULT_DRLHF } from '../algorithms/drlhf';
import { makeOracle } from '../algorithms/oracle';
import { makeSobirl, DEFAULT_SOBIRL } from '../algorithms/sobirl';
import { makeStocSobirl, DEFAULT_STOC_SOBIRL } from '../algorithms/stoc-sobirl';
import { makeMSobirlLearner, DEFAULT_M_SOBIRL_RLHF } from '../algorithms/m-sobirl-rlhf';
import type { TabularLearner } from '../algorithms/tabular-learner';
import {
  makeTabularSetup, sampleTabularSegment, toLinearPair, trueReturn, type LinearPair, type TabularSetup,
} from '../algorithms/tabular-rlhf';
import type { AlgorithmName, SimulateOptions, SeedRun } from './types';


/**
 * The whole RLHF loop on a tabular environment with a scripted teacher, per seed:
 *   gather (pairs of segments from the current policy, labeled by the teacher; skips dropped)
 *   -> update reward (the algorithm's upper-level step) -> update policy (warm-started sweeps).
 * The learner never sees the true reward; the teacher and the exact evaluation do.
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

export function simulateTabularSeed(opts: SimulateOptions, seed: number, onIteration?: (labelsUsed: number) => void): SeedRun {
  const env = getEnv(opts.env);
  const setup = makeTabularSetup(env, opts.gamma, opts.tau, opts.features ?? 'state');
  const learner = makeTabularLearner(opts.algo, setup, seed, opts.gradient);
  const teacher = makeTeacher(opts.teacher as Partial<TeacherConfig>);
  const rng = makeRng(seed);
  const all: LinearPair[] = [];
  const curve: Array<[number, number]> = [[0, trueReturn(setup, learner.pi)]];
  const metrics: SeedRun['metrics'] = [];
  let asked = 0;
  for (let k = 0; all.length < opts.labels && asked < opts.labels * 10; k++) {
    const fresh: LinearPair[] = [];
    const wanted = Math.min(opts.pairsPerIter, opts.labels - all.length);
    for (let i = 0; i < wanted; i++, asked++) {
      const first = sampleTabularSegment(setup, learner.pi, opts.horizon, rng);
      const second = sampleTabularSegment(setup, learner.pi, opts.horizon, rng);
      const answer = teacher.label(first, second, rng);
      if (answer.kind === 'skip') continue;
      const pair: LabeledPair = { first, second, y: answer.y };
      fresh.push(toLinearPair(setup, pair));
    }
    all.push(...fresh);
    if (opts.algo !== 'oracle' && fresh.length === 0) continue;
    metrics.push(learner.iterate(all, fresh, k));
    curve.push([all.length, trueReturn(setup, learner.pi)]);
    onIteration?.(all.length);
  }
  return { seed, curve, metrics, finalReturn: curve[curve.length - 1]![1] };
}

export function oracleReturnTabular(opts: Pick<SimulateOptions, 'env' | 'gamma' | 'tau'>): number {
  const setup = makeTabularSetup(getEnv(opts.env), opts.gamma, opts.tau, 'state');
  return trueReturn(setup, makeOracle(setup).pi);
}
