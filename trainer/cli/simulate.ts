import { SingleBar, Presets } from 'cli-progress';
import { z } from 'zod';
import { ALL_ENV_IDS, ENVS, envsWithProgress } from '../envs';
import { TEACHER_JUDGEMENTS } from '../contracts/teacher-names';
import { rlhfDefaults } from '../envs/rlhf-defaults';
import { simulate } from '../simulate/simulate';
import { ALGORITHMS, unsupportedReason } from '../contracts/algorithms';
import type { SimulateOptions } from '../simulate/types';
import { parseStart, type StartSpec } from '../envs/start';
import { makeTabularSetup } from '../algorithms/tabular-rlhf';
import { checkTabularOverrides } from '../service/tabular-engine';
import { numericFlag, parseFlags, UsageError, validateFlags, type CliIo } from './args';
import { neuralSettingsSchema, type NeuralSettings } from '../contracts/run-config';


const positiveInt = numericFlag((n) => Number.isInteger(n) && n > 0, 'a positive integer');
const schema = z.object({
  env: z.string().refine((id) => ALL_ENV_IDS.includes(id), { message: `unknown environment; known: ${ALL_ENV_IDS.join(', ')}` }),
  algo: z.enum(ALGORITHMS),
  labels: positiveInt,
  seeds: positiveInt.default(1),
  'seed-list': z.string().max(200).regex(/^\d{1,9}(,\d{1,9}){0,49}$/, 'a comma-separated list of seeds, e.g. 0,1,2').optional(),
  'no-oracle': z.boolean().default(false),
  neural: z.string().max(2000).optional(),
  'pairs-per-iter': positiveInt.optional(),
  horizon: positiveInt.optional(),
  gamma: numericFlag((n) => n >= 0 && n < 1, 'in [0, 1)').optional(),
  tau: numericFlag((n) => n > 0, 'positive').optional(),
  beta: numericFlag((n) => n > 0, 'positive').optional(),
  'equal-threshold': numericFlag((n) => n >= 0 && n <= 1e6, 'in [0, 1e6]').optional(),
  teacher: z.enum(TEACHER_JUDGEMENTS).default('true-reward'),
  features: z.enum(['state', 'state-action']).optional(),
  gradient: z.enum(['exact', 'rollout', 'suffix']).optional(),
  start: z.string().optional(),
  'algo-config': z.string().max(2000).optional(),
  json: z.boolean().default(false),
});

export const SIMULATE_USAGE = `usage: npm run sobirl -- simulate --env ENV --algo ${ALGORITHMS.join('|')} --labels N [--seeds K]
         [--seed-list S1,S2,... (instead of seeds 0..K-1)] [--no-oracle (leave out the oracle's own runs)]
         [--neural JSON (neural and continuous envs: the run config's neural overrides, e.g. '{"collectEpisodeSteps":50}')]
         [--pairs-per-iter M] [--horizon H] [--gamma G] [--tau T] [--beta B (teacher)]
         [--equal-threshold E (teacher: y = 0.5 when the clips' true returns differ by less than E, B-Pref's equal teacher; default 0: never)]
         [--teacher true-reward|scripted (what the teacher judges by; scripted: ${envsWithProgress().join(', ')})]
         [--features state|state-action (tabular)]
         [--gradient exact|rollout|suffix (SoBiRL, tabular)]
         [--start uniform|far|STATE (tabular: where clips and evaluation start)]
         [--algo-config JSON (tabular: overrides of the algorithm's settings, e.g. '{"exploreData":"weighted"}')] [--json]`;

export async function runSimulate(argv: string[], io: CliIo): Promise<number> {
  const flags = validateFlags(schema, parseFlags(argv, {
    env: { type: 'string' }, algo: { type: 'string' }, labels: { type: 'string' }, seeds: { type: 'string' },
    'pairs-per-iter': { type: 'string' }, horizon: { type: 'string' }, gamma: { type: 'string' },
    tau: { type: 'string' }, beta: { type: 'string' }, 'equal-threshold': { type: 'string' }, teacher: { type: 'string' }, features: { type: 'string' }, gradient: { type: 'string' }, json: { type: 'boolean' },
    'seed-list': { type: 'string' }, 'no-oracle': { type: 'boolean' }, neural: { type: 'string' },
    start: { type: 'string' }, 'algo-config': { type: 'string' },
  }));
  const unsupported = unsupportedReason(flags.algo, flags.env, 'simulate');
  if (unsupported) throw new UsageError(`--algo ${unsupported}`);
  // Continuous-action envs (pendulum, ...) have no entry in ENVS: neither tabular nor discrete.
  const env = Object.hasOwn(ENVS, flags.env) ? ENVS[flags.env]! : null;
  if (flags.teacher === 'scripted' && !env?.progress) {
    throw new UsageError(`--teacher scripted: '${flags.env}' has no scripted judgement (its true reward already tells clips apart); it exists for ${envsWithProgress().join(', ')}`);
  }
  if ((flags.start !== undefined || flags['algo-config'] !== undefined) && !env?.tabular) {
    throw new UsageError(`--start and --algo-config apply to tabular environments only; '${flags.env}' is not`);
  }
  let start: StartSpec | undefined;
  try {
    start = flags.start === undefined || !env ? undefined : parseStart(flags.start, env);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
  const algorithmConfig = flags['algo-config'] === undefined ? undefined : parseAlgorithmConfig(flags['algo-config']);
  if (flags.neural !== undefined && env?.tabular) throw new UsageError(`--neural applies to neural and continuous environments only; '${flags.env}' is tabular`);
  const neural = flags.neural === undefined ? undefined : parseNeural(flags.neural);
  const seedList = flags['seed-list']?.split(',').map(Number);
  const defaults = rlhfDefaults(flags.env);
  const opts: SimulateOptions = {
    env: flags.env,
    algo: flags.algo,
    labels: flags.labels,
    seeds: seedList?.length ?? flags.seeds,
    ...(seedList ? { seedList } : {}),
    ...(flags['no-oracle'] ? { noOracle: true } : {}),
    ...(neural ? { neural } : {}),
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
    teacher: { beta: flags.beta ?? defaults.beta, ...(flags['equal-threshold'] ? { equalThreshold: flags['equal-threshold'] } : {}) },
    judgement: flags.teacher,
  };
  if (algorithmConfig) {
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
  bar.start(opts.labels * opts.seeds, 0, { seed: seedList?.[0] ?? 0 });
  const report = await simulate(opts, (seed, used) => bar.update(seed * opts.labels + used, { seed: seedList?.[seed] ?? seed }));
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  const { runs: _runs, ...summary } = report;
  if (flags.json) {
    io.stdout(`${JSON.stringify(summary)}\n`);
  } else {
    const greedy = report.finalGreedyReturn ? `, deterministic tanh(mu) policy ${report.finalGreedyReturn.mean.toFixed(3)} ± ${report.finalGreedyReturn.std.toFixed(3)}` : '';
    io.stdout(
      `${report.algo} on ${report.env} (${report.teacher} teacher): true return ${report.finalReturn.mean.toFixed(3)} ± ${report.finalReturn.std.toFixed(3)}${greedy} ` +
        `(oracle ${report.oracleReturn === null ? 'not run' : report.oracleReturn.toFixed(3)}, random policy ${report.randomReturn.toFixed(3)}) after ${report.labels} labels, ${report.seeds} seeds, ${seconds.toFixed(1)} s\n` +
        report.curve.map(([l, r]) => `  labels ${String(l).padStart(6)}  return ${r.toFixed(3)}`).join('\n') + '\n',
    );
  }
  return 0;
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

/** --neural: the run config's neural overrides, checked by the run config's own schema (a typo names the key). */
function parseNeural(text: string): NeuralSettings {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--neural: not valid JSON (${(error as Error).message})`);
  }
  const parsed = neuralSettingsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`--neural: ${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  return parsed.data;
}
