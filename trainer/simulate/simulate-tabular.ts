import { makeRng } from '../core/rng';
import { getEnv } from '../envs';
import type { LabeledPair } from '../preference/types';
import { makeTeacher, type TeacherConfig } from '../teachers';
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
import type { AlgorithmName, SimulateOptions, SeedRun } from './types';


/**
 * The whole RLHF loop on a tabular environment with a scripted teacher, per seed:
 *   gather (pairs of segments from the current policy, labeled by the teacher; skips dropped)
 *   -> update reward (the algorithm's upper-level step) -> update policy (warm-started sweeps).
 * The learner never sees the true reward; the teacher and the exact evaluation do.
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

export function simulateTabularSeed(opts: SimulateOptions, seed: number, onIteration?: (labelsUsed: number) => void): SeedRun {
  const env = getEnv(opts.env);
  const setup = makeTabularSetup(env, opts.gamma, opts.tau, opts.features ?? 'state', opts.start);
  const learner = makeTabularLearner(opts.algo, setup, seed, opts.gradient, opts.algorithmConfig);
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

export function oracleReturnTabular(opts: Pick<SimulateOptions, 'env' | 'gamma' | 'tau' | 'start'>): number {
  const setup = makeTabularSetup(getEnv(opts.env), opts.gamma, opts.tau, 'state', opts.start);
  return trueReturn(setup, makeOracle(setup).pi);
}
