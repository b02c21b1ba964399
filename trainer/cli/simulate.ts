import { SingleBar, Presets } from 'cli-progress';
import { z } from 'zod';
import { ALL_ENV_IDS, ENVS, envsWithProgress } from '../envs';
import { TEACHER_JUDGEMENTS } from '../contracts/teacher-names';
import { rlhfDefaults } from '../envs/rlhf-defaults';
import { seedsOf, simulate } from '../simulate/simulate';
import { ALGORITHMS, unsupportedReason } from '../contracts/algorithms';
import type { SimulateOptions } from '../simulate/types';
import { parseStart, type StartSpec } from '../envs/start';
import { makeTabularSetup } from '../algorithms/tabular-rlhf';
import { checkTabularOverrides } from '../service/tabular-engine';
import { QUERY_SELECTIONS, neuralSettingsSchema, type NeuralSettings } from '../contracts/run-config';
import { numericFlag, parseFlags, UsageError, validateFlags, type CliIo } from './args';


const positiveInt = numericFlag((n) => Number.isInteger(n) && n > 0, 'a positive integer');
const schema = z.object({
  env: z.string().refine((id) => ALL_ENV_IDS.includes(id), { message: `unknown environment; known: ${ALL_ENV_IDS.join(', ')}` }),
  algo: z.enum(ALGORITHMS),
  labels: positiveInt,
  seeds: positiveInt.optional(),
  'seed-list': z.string().max(400).optional(),
  'no-oracle': z.boolean().default(false),
  'pairs-per-iter': positiveInt.optional(),
  horizon: positiveInt.optional(),
  gamma: numericFlag((n) => n >= 0 && n < 1, 'in [0, 1)').optional(),
  tau: numericFlag((n) => n > 0, 'positive').optional(),
  beta: numericFlag((n) => n > 0, 'positive').optional(),
  'equal-threshold': numericFlag((n) => n >= 0 && n <= 1e6, 'in [0, 1e6]').optional(),
  teacher: z.enum(TEACHER_JUDGEMENTS).default('true-reward'),
  'progress-weight': numericFlag((n) => n >= 0 && n <= 1000, 'in [0, 1000]').optional(),
  features: z.enum(['state', 'state-action']).optional(),
  gradient: z.enum(['exact', 'rollout', 'suffix']).optional(),
  start: z.string().optional(),
  'algo-config': z.string().max(2000).optional(),
  neural: z.string().max(2000).optional(),
  'query-selection': z.enum(QUERY_SELECTIONS).default('uniform'),
  oversample: numericFlag((n) => Number.isInteger(n) && n >= 1 && n <= 100, 'an integer in [1, 100]').optional(),
  json: z.boolean().default(false),
});

export const SIMULATE_USAGE = `usage: npm run sobirl -- simulate --env ENV --algo ${ALGORITHMS.join('|')} --labels N
         [--seeds K (seeds 0..K-1) | --seed-list LIST (e.g. 3,4 or 100-101)] [--no-oracle (leave out the oracle line)]
         [--pairs-per-iter M] [--horizon H] [--gamma G] [--tau T] [--beta B (teacher)]
         [--equal-threshold E (teacher: y = 0.5 when the clips' true returns differ by less than E, B-Pref's equal teacher; default 0: never)]
         [--teacher true-reward|scripted (what the teacher judges by; scripted: ${envsWithProgress().join(', ')})]
         [--progress-weight W (scripted teacher: return units a progress of 1 is worth; default the env's)]
         [--features state|state-action (tabular)]
         [--gradient exact|rollout|suffix (SoBiRL, tabular)]
         [--start uniform|far|STATE (tabular: where clips and evaluation start)]
         [--algo-config JSON (tabular and discrete neural: overrides of the algorithm's settings, e.g. '{"exploreData":"weighted"}', '{"exploreCoef":0.1}')]
         [--neural JSON (neural and continuous envs: the run's neural settings, e.g. '{"updatesPerIter":3000}', '{"collectEpisodeSteps":50}')]
         [--query-selection uniform|disagreement (how the next pairs are picked; default uniform)]
         [--oversample N (disagreement: candidates scored per pair kept; default 10)] [--json]`;

export async function runSimulate(argv: string[], io: CliIo): Promise<number> {
  const flags = validateFlags(schema, parseFlags(argv, {
    env: { type: 'string' }, algo: { type: 'string' }, labels: { type: 'string' }, seeds: { type: 'string' }, 'seed-list': { type: 'string' }, 'no-oracle': { type: 'boolean' },
    'pairs-per-iter': { type: 'string' }, horizon: { type: 'string' }, gamma: { type: 'string' },
    tau: { type: 'string' }, beta: { type: 'string' }, 'equal-threshold': { type: 'string' }, teacher: { type: 'string' }, 'progress-weight': { type: 'string' }, features: { type: 'string' }, gradient: { type: 'string' }, json: { type: 'boolean' },
    start: { type: 'string' }, 'algo-config': { type: 'string' }, neural: { type: 'string' }, 'query-selection': { type: 'string' }, oversample: { type: 'string' },
  }));
  const unsupported = unsupportedReason(flags.algo, flags.env, 'simulate');
  if (unsupported) throw new UsageError(`--algo ${unsupported}`);
  // Continuous-action envs (pendulum, ...) have no entry in ENVS: neither tabular nor discrete.
  const env = Object.hasOwn(ENVS, flags.env) ? ENVS[flags.env]! : null;
  if (flags.teacher === 'scripted' && !env?.progress) {
    throw new UsageError(`--teacher scripted: '${flags.env}' has no scripted judgement (its true reward already tells clips apart); it exists for ${envsWithProgress().join(', ')}`);
  }
  if (flags.oversample !== undefined && flags['query-selection'] !== 'disagreement') {
    throw new UsageError('--oversample sets how many candidates disagreement selection scores per pair: it needs --query-selection disagreement');
  }
  if (flags['progress-weight'] !== undefined && flags.teacher !== 'scripted') {
    throw new UsageError('--progress-weight weighs the scripted judgement: it needs --teacher scripted');
  }
  if (flags.start !== undefined && !env?.tabular) {
    throw new UsageError(`--start applies to tabular environments only; '${flags.env}' is not`);
  }
  if (flags['algo-config'] !== undefined && !env) {
    throw new UsageError(`--algo-config applies to tabular and discrete neural environments; '${flags.env}' is continuous`);
  }
  if (flags.neural !== undefined && env?.tabular) {
    throw new UsageError(`--neural applies to neural and continuous environments only; '${flags.env}' is tabular`);
  }
  let start: StartSpec | undefined;
  try {
    start = flags.start === undefined || !env ? undefined : parseStart(flags.start, env);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
  if (flags.seeds !== undefined && flags['seed-list'] !== undefined) throw new UsageError('--seeds and --seed-list: give one of them');
  const seedList = flags['seed-list'] === undefined ? undefined : parseSeedList(flags['seed-list']);
  const algorithmConfig = flags['algo-config'] === undefined ? undefined : parseAlgorithmConfig(flags['algo-config']);
  const neural = flags.neural === undefined ? undefined : parseNeuralSettings(flags.neural);
  const defaults = rlhfDefaults(flags.env);
  const opts: SimulateOptions = {
    env: flags.env,
    algo: flags.algo,
    labels: flags.labels,
    seeds: seedList?.length ?? flags.seeds ?? 1,
    ...(seedList ? { seedList } : {}),
    ...(flags['no-oracle'] ? { skipOracle: true } : {}),
    pairsPerIter: flags['pairs-per-iter'] ?? defaults.pairsPerIter,
    horizon: flags.horizon ?? defaults.horizon,
    gamma: flags.gamma ?? defaults.gamma,
    // A --gamma given applies to the oracle too; else the env's oracle discount where it has one.
    ...(flags.gamma === undefined && defaults.oracleGamma !== undefined ? { oracleGamma: defaults.oracleGamma } : {}),
    tau: flags.tau ?? defaults.tau,
    features: flags.features,
    gradient: flags.gradient,
    ...(start ? { start } : {}),
    ...(algorithmConfig ? { algorithmConfig } : {}),
    ...(neural ? { neural } : {}),
    querySelection: flags['query-selection'],
    ...(flags.oversample !== undefined ? { oversample: flags.oversample } : {}),
    teacher: { beta: flags.beta ?? defaults.beta, ...(flags['equal-threshold'] ? { equalThreshold: flags['equal-threshold'] } : {}) },
    judgement: flags.teacher,
    ...(flags['progress-weight'] !== undefined ? { progressWeight: flags['progress-weight'] } : {}),
  };
  if (algorithmConfig && !env!.tabular) {
    // The neural upper level's settings (trainer/algorithms/neural/run-config.ts), checked before any tfjs loads.
    const { checkNeuralOverrides } = await import('../algorithms/neural/run-config');
    try {
      checkNeuralOverrides(opts.algo, algorithmConfig);
    } catch (error) {
      throw new UsageError(`--algo-config: ${(error as Error).message}`);
    }
  } else if (algorithmConfig) {
    // Check the overrides against the learner's settings now, as a usage error (exit 2).
    try {
      checkTabularOverrides(opts.algo, makeTabularSetup(env!, opts.gamma, opts.tau, opts.features ?? 'state', opts.start), algorithmConfig);
    } catch (error) {
      throw new UsageError(`--algo-config: ${(error as Error).message.replace(/^algorithm config: /, '')}`);
    }
  }
  io.stderr(`simulate ${JSON.stringify(opts)}\n`);
  const started = Date.now();
  const bar = new SingleBar({ format: 'seed {seed} [{bar}] {value}/{total} labels | {duration}s', stream: process.stderr }, Presets.shades_classic);
  const seedIds = seedsOf(opts);
  bar.start(opts.labels * opts.seeds, 0, { seed: seedIds[0] });
  const report = await simulate(opts, (index, used) => bar.update(index * opts.labels + used, { seed: seedIds[index] }));
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  const { runs: _runs, ...summary } = report;
  if (flags.json) {
    io.stdout(`${JSON.stringify(summary)}\n`);
  } else {
    const greedy = report.finalGreedyReturn ? `, deterministic tanh(mu) policy ${report.finalGreedyReturn.mean.toFixed(3)} ± ${report.finalGreedyReturn.std.toFixed(3)}` : '';
    io.stdout(
      `${report.algo} on ${report.env} (${report.teacher} teacher): true return ${report.finalReturn.mean.toFixed(3)} ± ${report.finalReturn.std.toFixed(3)}${greedy} ` +
        `(oracle ${report.oracleReturn === null ? 'not run' : report.oracleReturn.toFixed(3)}, random policy ${report.randomReturn.toFixed(3)}) ` +
        `after ${report.labels} labels, seeds ${report.perSeed.map((s) => s.seed).join(',')}, ${seconds.toFixed(1)} s\n` +
        report.perSeed.map((s) => `  seed ${String(s.seed).padStart(4)}  final return ${s.finalReturn.toFixed(3)}  ${s.seconds.toFixed(1)} s`).join('\n') + '\n' +
        report.curve.map(([l, r]) => `  labels ${String(l).padStart(6)}  return ${r.toFixed(3)}`).join('\n') + '\n',
    );
  }
  return 0;
}

/** --seed-list: comma-separated seeds and inclusive ranges ("0,2,100-101"), each at most once, at most 1,000. */
export function parseSeedList(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d{1,9})\s*(?:-\s*(\d{1,9})\s*)?$/.exec(part);
    if (!match) throw new UsageError(`--seed-list: '${part}' is not a seed or a range like 100-101 (the list: comma-separated, e.g. 0,1,2 or 100-101)`);
    const from = Number(match[1]), to = Number(match[2] ?? match[1]);
    if (to < from) throw new UsageError(`--seed-list: the range '${part.trim()}' ends before it starts`);
    if (seeds.length + (to - from + 1) > 1000) throw new UsageError('--seed-list: at most 1,000 seeds');
    for (let seed = from; seed <= to; seed++) {
      if (seeds.includes(seed)) throw new UsageError(`--seed-list: seed ${seed} is listed twice`);
      seeds.push(seed);
    }
  }
  return seeds;
}

/** --neural: the run's neural schedule overrides (contracts/run-config.ts neuralSettingsSchema), e.g. '{"updatesPerIter":3000}'. */
function parseNeuralSettings(text: string): NeuralSettings {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--neural: not valid JSON (${(error as Error).message})`);
  }
  const parsed = neuralSettingsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') throw new UsageError(`--neural: '${issue.keys[0]}' is not a neural setting; known: ${Object.keys(neuralSettingsSchema.shape).join(', ')}`);
  throw new UsageError(`--neural: ${issue.path.length ? issue.path.join('.') : 'the value'}: ${issue.message}`);
}

/** --algo-config: a flat JSON object of numbers, booleans and strings (the learner checks the keys). */
function parseAlgorithmConfig(text: string): Record<string, number | boolean | string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--algo-config: not valid JSON (${(error as Error).message})`);
  }
  const parsed = z.record(z.string(), z.union([z.number(), z.boolean(), z.string().max(100)])).safeParse(value);
  if (!parsed.success) throw new UsageError('--algo-config: must be a JSON object of numbers, booleans and strings, e.g. \'{"exploreCoef":0.5}\'');
  return parsed.data;
}
