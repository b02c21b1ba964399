/**
 * The algorithm registry: which algorithms exist and where each one runs. Everything that lists
 * or checks algorithms reads this module (the command line, the "New run" form, `runs.create`,
 * the trainer service and the tests), so "m-sobirl needs a tabular env" is written once, here.
 * Pure data (no tfjs, no database): the web bundle imports it.
 *
 * How an algorithm is built for an engine is the engine's business (trainer/engines/); this
 * module only says what may be asked for. docs/algorithms.md describes what each one computes.
 */
import { ALL_ENV_IDS, CONTINUOUS_ENVS, ENVS } from '../envs';

export const ALGORITHMS = ['sobirl', 'm-sobirl', 'stoc-sobirl', 'drlhf', 'pbrl', 'hpgd', 'oracle'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

/** Where a request for an algorithm comes from: a simulation (`simulate`) or a run the service trains. */
export type AlgorithmUse = 'simulate' | 'service';

export interface AlgorithmInfo {
  /** Display name (the run form, reports). */
  title: string;
  /** Needs the env's exact transition model (trainer/envs/types.ts `tabular`). */
  tabularOnly: boolean;
  /** Needs the true reward in the learner's replay: a simulation baseline the service does not train on neural envs. */
  simulationOnlyOnNeural: boolean;
  /** Runs on continuous-action envs (the continuous engine: SAC below, trainer/algorithms/continuous/). */
  continuous: boolean;
}

export const ALGORITHM_INFO: Readonly<Record<AlgorithmName, AlgorithmInfo>> = {
  sobirl: { title: 'SoBiRL', tabularOnly: false, simulationOnlyOnNeural: false, continuous: true },
  'm-sobirl': { title: 'M-SoBiRL', tabularOnly: true, simulationOnlyOnNeural: false, continuous: false },
  'stoc-sobirl': { title: 'Stoc-SoBiRL', tabularOnly: false, simulationOnlyOnNeural: false, continuous: true },
  drlhf: { title: 'DRLHF', tabularOnly: false, simulationOnlyOnNeural: false, continuous: true },
  // PBRL's value penalty and HPGD's rollouts use the env's exact model (docs/algorithms-pbrl-hpgd.md).
  pbrl: { title: 'PBRL', tabularOnly: true, simulationOnlyOnNeural: false, continuous: false },
  hpgd: { title: 'HPGD', tabularOnly: true, simulationOnlyOnNeural: false, continuous: false },
  oracle: { title: 'oracle (true reward)', tabularOnly: false, simulationOnlyOnNeural: true, continuous: true },
};

export function isAlgorithmName(name: string): name is AlgorithmName {
  return (ALGORITHMS as readonly string[]).includes(name);
}

/** Whether the algorithm learns from labels: the oracle trains on the true reward and asks no teacher. */
export function learnsFromLabels(algorithm: AlgorithmName): boolean {
  return algorithm !== 'oracle';
}

export function isTabularEnv(envId: string): boolean {
  return Object.hasOwn(ENVS, envId) && ENVS[envId]!.tabular !== undefined;
}

/** True for an env with continuous (box) actions: the continuous engine trains it. */
export function isContinuousEnvId(envId: string): boolean {
  return Object.hasOwn(CONTINUOUS_ENVS, envId);
}

/**
 * Why `algorithm` cannot run on `envId` for `use`, in words, or null when it can. An unknown
 * algorithm or env is also a reason. The one place the support rules are written.
 */
export function unsupportedReason(algorithm: string, envId: string, use: AlgorithmUse): string | null {
  if (!isAlgorithmName(algorithm)) return `unknown algorithm '${algorithm}'; known: ${ALGORITHMS.join(', ')}`;
  if (!ALL_ENV_IDS.includes(envId)) return `unknown environment '${envId}'; known: ${ALL_ENV_IDS.join(', ')}`;
  const info = ALGORITHM_INFO[algorithm];
  if (isContinuousEnvId(envId) && !info.continuous && !info.tabularOnly) {
    return `${algorithm} does not run on continuous-action environments ('${envId}'); use ${ALGORITHMS.filter((a) => ALGORITHM_INFO[a].continuous).join(', ')}`;
  }
  const tabular = isTabularEnv(envId);
  if (info.tabularOnly && !tabular) {
    const tabularEnvs = Object.keys(ENVS).filter(isTabularEnv).join(', ');
    return `${algorithm} is model-based and needs a tabular environment (${tabularEnvs}); '${envId}' is not: use sobirl or stoc-sobirl`;
  }
  if (use === 'service' && info.simulationOnlyOnNeural && !tabular) {
    return `the neural ${algorithm} is a simulation baseline (npm run sobirl -- simulate --env ${envId} --algo ${algorithm}); the service trains ${servedOn(envId).join(', ')} on '${envId}'`;
  }
  return null;
}

/** The algorithms `use` accepts on `envId`, in registry order. */
export function algorithmsFor(envId: string, use: AlgorithmUse = 'service'): AlgorithmName[] {
  return ALGORITHMS.filter((a) => unsupportedReason(a, envId, use) === null);
}

/** What the service trains on a non-tabular env (no recursion through unsupportedReason). */
function servedOn(envId: string): AlgorithmName[] {
  const tabular = isTabularEnv(envId);
  return ALGORITHMS.filter((a) => tabular || (!ALGORITHM_INFO[a].tabularOnly && !ALGORITHM_INFO[a].simulationOnlyOnNeural));
}

/** Throws an Error with `unsupportedReason`'s words when the algorithm cannot run there. */
export function assertSupported(algorithm: string, envId: string, use: AlgorithmUse): AlgorithmName {
  const reason = unsupportedReason(algorithm, envId, use);
  if (reason !== null) throw new Error(reason);
  return algorithm as AlgorithmName;
}
