/**
 * The continuous engine's schedule: what one outer iteration collects, trains and evaluates,
 * with the run's overrides applied (the `neural` record of the run config for the schedule and
 * SAC's entropy mode; the `algorithm` record for the upper level, as for the neural engine).
 */
import type { RunConfig } from '../../contracts/run-config';
import { withOverrides } from '../../contracts/run-config';
import { rlhfDefaults } from '../../envs/rlhf-defaults';
import { DEFAULT_CONTINUOUS_LOWER, type ContinuousLowerConfig } from './lower-level';
import { DEFAULT_CONTINUOUS_ENSEMBLE, type ContinuousEnsembleConfig } from './query-ensemble';
import { DEFAULT_CONTINUOUS_UPPER, type ContinuousUpperConfig } from './upper-level';

export interface ContinuousSchedule {
  /** Env steps collected with the current policy per outer iteration (replay + candidate clips). */
  envStepsPerIter: number;
  /** Episodes stepped in parallel. */
  numEnvs: number;
  /** Evaluation episodes per iteration (metrics only; 0 = skip). */
  evalEpisodes: number;
  /** Evaluation episodes of a simulation's final point (a less noisy final return). */
  finalEvalEpisodes: number;
  lower: ContinuousLowerConfig;
  upper: ContinuousUpperConfig;
  /**
   * Env steps of a collection episode before its reset (absent: the env's full episode). Shorter
   * episodes start more clips near the reset state; evaluation keeps the env's full episode.
   */
  collectEpisodeSteps?: number;
  /** How new pairs are chosen among the current policy's clips (absent: uniformly). */
  selection?: ContinuousSelection;
}

/** Disagreement selection (query-ensemble.ts): `oversample` x count candidate pairs, the top `count` by the ensemble's spread. */
export interface ContinuousSelection {
  mode: 'uniform' | 'disagreement';
  /** Candidate pairs scored per pair chosen. */
  oversample: number;
  ensemble: ContinuousEnsembleConfig;
}

export const DEFAULT_CONTINUOUS_SCHEDULE: ContinuousSchedule = {
  envStepsPerIter: 1000,
  numEnvs: 4,
  evalEpisodes: 5,
  finalEvalEpisodes: 20,
  lower: DEFAULT_CONTINUOUS_LOWER,
  upper: DEFAULT_CONTINUOUS_UPPER,
};

/**
 * The schedule an env's runs start from: DEFAULT_CONTINUOUS_SCHEDULE with the env's own env
 * steps and SAC updates per iteration (trainer/envs/rlhf-defaults.ts), where it sets them.
 */
export function envContinuousSchedule(envId: string): ContinuousSchedule {
  const own = rlhfDefaults(envId).continuousSchedule;
  if (!own) return DEFAULT_CONTINUOUS_SCHEDULE;
  const base = DEFAULT_CONTINUOUS_SCHEDULE;
  return {
    ...base,
    envStepsPerIter: own.envStepsPerIter ?? base.envStepsPerIter,
    ...(own.collectEpisodeSteps !== undefined ? { collectEpisodeSteps: own.collectEpisodeSteps } : {}),
    // The mode only: a run's oversample and ensemble size come from its config (continuousSchedule).
    ...(own.pairSelection !== undefined ? { selection: { mode: own.pairSelection, oversample: 10, ensemble: { ...DEFAULT_CONTINUOUS_ENSEMBLE, size: 5 } } } : {}),
    lower: { ...base.lower, updatesPerIter: own.updatesPerIter ?? base.lower.updatesPerIter },
  };
}

export function continuousSchedule(config: RunConfig, base: ContinuousSchedule = DEFAULT_CONTINUOUS_SCHEDULE): ContinuousSchedule {
  const n = config.neural ?? {};
  const hidden = n.hiddenSizes ? [...n.hiddenSizes] : undefined;
  const upper = withOverrides(base.upper, config.algorithm);
  const collectEpisodeSteps = n.collectEpisodeSteps ?? base.collectEpisodeSteps;
  return {
    envStepsPerIter: n.envStepsPerIter ?? base.envStepsPerIter,
    ...(collectEpisodeSteps !== undefined ? { collectEpisodeSteps } : {}),
    numEnvs: n.numEnvs ?? base.numEnvs,
    evalEpisodes: n.evalEpisodes ?? base.evalEpisodes,
    finalEvalEpisodes: n.evalEpisodes ?? base.finalEvalEpisodes,
    lower: {
      updatesPerIter: n.updatesPerIter ?? base.lower.updatesPerIter,
      minReplay: n.minReplay ?? base.lower.minReplay,
      replayCapacity: n.replayCapacity ?? base.lower.replayCapacity,
      sac: { ...base.lower.sac, ...(hidden ? { hiddenSizes: hidden } : {}), ...(n.entropy ? { entropy: n.entropy } : {}) },
    },
    upper: hidden ? { ...upper, hiddenSizes: hidden } : upper,
    selection: {
      // Uniform unless asked for: the run-wide querySelection (default 'disagreement') is the discrete engines'.
      mode: n.pairSelection ?? base.selection?.mode ?? 'uniform',
      oversample: config.oversample,
      ensemble: { ...DEFAULT_CONTINUOUS_ENSEMBLE, size: config.ensembleSize, steps: n.ensembleSteps ?? DEFAULT_CONTINUOUS_ENSEMBLE.steps },
    },
  };
}
