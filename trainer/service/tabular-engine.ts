/**
 * The tabular pieces the service combines: a run's setup and learner (resumable from a
 * checkpoint's x and Q), labels from the database as LinearPairs, and the next pairs drawn from
 * the current policy and chosen by ensemble disagreement. Pure functions of their inputs: no
 * database here.
 */
import { makeRng, type Rng } from '../core/rng';
import { getEnv } from '../envs';
import type { Segment } from '../preference/types';
import { DEFAULT_DRLHF, makeDrlhf } from '../algorithms/drlhf';
import { DEFAULT_M_SOBIRL_RLHF, makeMSobirlLearner } from '../algorithms/m-sobirl-rlhf';
import { makeOracle } from '../algorithms/oracle';
import { DEFAULT_SOBIRL, makeSobirl } from '../algorithms/sobirl';
import { DEFAULT_STOC_SOBIRL, makeStocSobirl } from '../algorithms/stoc-sobirl';
import { DEFAULT_PBRL, makePbrl } from '../algorithms/pbrl';
import { DEFAULT_HPGD, makeHpgd } from '../algorithms/hpgd';
import { parseStart } from '../envs/start';
import type { LearnerInit, TabularLearner } from '../algorithms/tabular-learner';
import {
  makeTabularSetup, sampleTabularSegment, toLinearPair, type LinearPair, type TabularSetup,
} from '../algorithms/tabular-rlhf';
import { DEFAULT_ENSEMBLE, disagreement, fitBootstrapEnsemble } from './query-selection';
import { candidatePairsFor } from '../contracts/run-budget';
import { settingsDefaultsFor, withOverrides, type RunAlgorithm, type RunConfig } from '../contracts/run-config';
import { clipSegment, toClipSpec, toPreference } from './label-rows';
import type { LabelRow, PairSpec } from './store';

export function makeRunSetup(envId: string, config: RunConfig): TabularSetup {
  const env = getEnv(envId);
  return makeTabularSetup(env, config.gamma, config.tau, config.features, parseStart(config.start, env));
}

/**
 * A learner for the run, resumed from `init` (a checkpoint's x, Q and optimiser state) when
 * given. The service keeps the learner in memory between iterations and rebuilds it from the
 * checkpoint only after a restart or a fallback; with the optimiser state restored, the rebuilt
 * learner continues exactly as the in-memory one would have.
 */
export function makeRunLearner(algorithm: RunAlgorithm, setup: TabularSetup, config: RunConfig, runId: number, init?: LearnerInit): TabularLearner {
  const o = config.algorithm;
  switch (algorithm) {
    // SoBiRL's rollout gradients (gradientSource 'rollout' / 'suffix') draw from a stream of the run's own.
    case 'sobirl': return makeSobirl(setup, withOverrides({ ...DEFAULT_SOBIRL, seed: mixSeed(config.seed, runId, 104729) }, o), init);
    case 'drlhf': return makeDrlhf(setup, withOverrides(DEFAULT_DRLHF, o), init);
    // One mini-batch stream per outer iteration: a restarted learner draws the same batches.
    case 'stoc-sobirl': return makeStocSobirl(setup, (k) => makeRng(mixSeed(config.seed, runId, 7919, k)), withOverrides(DEFAULT_STOC_SOBIRL, o), init);
    case 'm-sobirl': return makeMSobirlLearner(setup, withOverrides(DEFAULT_M_SOBIRL_RLHF, o), init);
    // PBRL's policy logits are in its optimiser state: a checkpoint without one restarts them at uniform.
    case 'pbrl': return makePbrl(setup, withOverrides(DEFAULT_PBRL, o), init);
    // HPGD draws each outer iteration's rollouts from its own stream (seeded by k): resumes exactly.
    case 'hpgd': return makeHpgd(setup, withOverrides({ ...DEFAULT_HPGD, seed: mixSeed(config.seed, runId, 15485863) }, o), init);
    case 'oracle': return makeOracle(setup);
  }
}

/** Each tabular algorithm's settings, the keys a run's `algorithm` overrides may set. */
const TABULAR_SETTINGS: Readonly<Record<RunAlgorithm, object>> = {
  sobirl: DEFAULT_SOBIRL, drlhf: DEFAULT_DRLHF, 'stoc-sobirl': DEFAULT_STOC_SOBIRL, 'm-sobirl': DEFAULT_M_SOBIRL_RLHF,
  pbrl: DEFAULT_PBRL, hpgd: DEFAULT_HPGD, oracle: {},
};

/**
 * Checks overrides of a tabular algorithm's settings strictly, for a simulation or a sweep (which
 * must not run the defaults because a setting was misspelt; a stored run's config is read
 * leniently, withOverrides): an unknown key or a value of the wrong type is an error naming it,
 * and the learner is built once so that its own checks (e.g. SoBiRL's exploreData) run too.
 */
export function checkTabularOverrides(algorithm: RunAlgorithm, setup: TabularSetup, overrides: Readonly<Record<string, number | boolean | string>>): void {
  const base = TABULAR_SETTINGS[algorithm] as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in base)) throw new Error(`algorithm config: '${key}' is not a setting of ${algorithm}; known: ${Object.keys(base).join(', ')}`);
    if (typeof base[key] !== typeof value) throw new Error(`algorithm config: ${algorithm}.${key} must be a ${typeof base[key]}, got ${JSON.stringify(value)}`);
  }
  makeRunLearner(algorithm, setup, { ...settingsDefaultsFor(setup.env.id), algorithm: { ...overrides } }, 0);
}

/** Deterministic 31-bit seed from a few integers (splitmix-style mixing). */
export function mixSeed(...parts: number[]): number {
  let h = 0x2545f491;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x9e3779b1) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return (h >>> 0) & 0x7fffffff;
}

export interface LabeledData {
  all: LinearPair[];
  /** On-policy pairs: drawn by the checkpoint the learner resumes from (see the README section). */
  fresh: LinearPair[];
}

/**
 * Rows already converted, per setup and row object: `simulate` hands the engine the same row
 * objects every iteration (rebuilding every pair each time was 40% of a grid5 simulation's
 * CPU); the service reads new rows from the database each time, so it never hits. Weak maps:
 * nothing outlives its setup or its rows.
 */
const converted = new WeakMap<TabularSetup, WeakMap<LabelRow, LinearPair>>();

function linearPairOf(setup: TabularSetup, row: LabelRow): LinearPair {
  let bySetup = converted.get(setup);
  if (!bySetup) converted.set(setup, (bySetup = new WeakMap()));
  let pair = bySetup.get(row);
  if (!pair) {
    pair = toLinearPair(setup, { first: clipSegment(setup.env.id, row.first), second: clipSegment(setup.env.id, row.second), y: toPreference(row.y) });
    bySetup.set(row, pair);
  }
  return pair;
}

export function toLabeledData(setup: TabularSetup, rows: readonly LabelRow[], currentCheckpointId: number): LabeledData {
  const all: LinearPair[] = [];
  const fresh: LinearPair[] = [];
  for (const row of rows) {
    const pair = linearPairOf(setup, row);
    all.push(pair);
    if (row.pairCheckpointId === currentCheckpointId) fresh.push(pair);
  }
  return { all, fresh };
}

/** One clip: its own seeded stream, so the stored seed reproduces it. */
function drawSegment(setup: TabularSetup, pi: Float64Array, horizon: number, rng: Rng): { segment: Segment; seed: number } {
  const seed = rng.int(0x7fffffff);
  return { segment: sampleTabularSegment(setup, pi, horizon, makeRng(seed)), seed };
}

export interface NextPairs {
  pairs: PairSpec[];
  /** Mean disagreement of the chosen pairs (0 under uniform selection). */
  meanScore: number;
}

/** Candidate pairs drawn and scored at a time: memory stays bounded however many are asked for. */
export const CANDIDATE_CHUNK = 512;

/**
 * `count` pairs from the policy pi, best first. Uniform: `count` random pairs, priority 0.
 * Disagreement: count * oversample candidate pairs (cut to run-budget.ts's candidate-step limit),
 * scored by the bootstrap ensemble around x fitted on `labeled`, the top `count` kept with their
 * score as priority. The candidates are drawn, scored and dropped `chunk` pairs at a time, only
 * the best `count` so far kept: memory is O(count + chunk) clips, not O(count x oversample)
 * (the whole set at once took a trainer to 4.3 GB). The result does not depend on `chunk`:
 * each clip's seed comes from `rng` in the same order as before and the clip itself from its
 * own seeded stream, so a chunk's clips are the ones the whole set would have held.
 */
export function nextPairs(
  setup: TabularSetup,
  pi: Float64Array,
  x: Float64Array,
  labeled: readonly LinearPair[],
  config: RunConfig,
  count: number,
  rng: Rng,
  chunk: number = CANDIDATE_CHUNK,
): NextPairs {
  const clip = (seed: number) => sampleTabularSegment(setup, pi, config.horizon, makeRng(seed));
  // The oracle's x is the true reward table, not linear-model weights: nothing to disagree on.
  if (config.querySelection === 'uniform' || count === 0 || x.length !== setup.n) {
    const pairs = Array.from({ length: count }, () => {
      const a = drawSegment(setup, pi, config.horizon, rng);
      const b = drawSegment(setup, pi, config.horizon, rng);
      return { first: toClipSpec(a.segment, a.seed), second: toClipSpec(b.segment, b.seed), priority: 0 };
    });
    return { pairs, meanScore: 0 };
  }
  const total = candidatePairsFor(count, config.oversample, config.horizon);
  // Seeds first (two integers per candidate), in the order the clips were drawn before chunking.
  const seeds = new Int32Array(2 * total);
  for (let i = 0; i < seeds.length; i++) seeds[i] = rng.int(0x7fffffff);
  const members = fitBootstrapEnsemble(labeled, x, { ...DEFAULT_ENSEMBLE, size: config.ensembleSize }, rng);
  let best: Array<{ index: number; score: number; a: Segment; b: Segment }> = [];
  for (let start = 0; start < total; start += chunk) {
    const scored = [];
    for (let i = start; i < Math.min(total, start + chunk); i++) {
      const a = clip(seeds[2 * i]!), b = clip(seeds[2 * i + 1]!);
      scored.push({ index: i, score: disagreement(members, toLinearPair(setup, { first: a, second: b, y: 0.5 }).featureDiff), a, b });
    }
    // topByScore's order: higher score first, ties in candidate order.
    best = [...best, ...scored].sort((p, q) => q.score - p.score || p.index - q.index).slice(0, count);
  }
  const pairs = best.map((c) => ({ first: toClipSpec(c.a, seeds[2 * c.index]!), second: toClipSpec(c.b, seeds[2 * c.index + 1]!), priority: c.score }));
  const meanScore = best.reduce((s, c) => s + c.score, 0) / Math.max(best.length, 1);
  return { pairs, meanScore };
}
