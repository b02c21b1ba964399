/**
 * `npm run sobirl -- hypergrad --problem FILE.json [--estimator sobirl --samples N --seed K] [--baseline]`
 *
 * Prints one line of JSON: {"phi": number, "grad": number[]} for the tabular bilevel problem in
 * FILE (format: trainer/tabular/problem.ts, examples in trainer/tabular/examples/), plus
 * "estimate": number[] (the model-free SoBiRL estimator averaged over N sampled pairs) when
 * --estimator sobirl is given. Exit codes: 0 success; 2 bad flags, a missing or malformed file,
 * or a problem too large for the exact expectation (the message names the field or flag).
 */
import { z } from 'zod';
import { exactHypergradient, ProblemTooLargeError, sobirlEstimate } from '../tabular/hypergrad';
import { loadProblemFile, ProblemError } from '../tabular/problem';
import { numericFlag, parseFlags, UsageError, validateFlags, type CliIo } from './args';

export const HYPERGRAD_USAGE = `usage: npm run sobirl -- hypergrad --problem FILE.json [--estimator sobirl [--samples N] [--seed K] [--baseline]]
  --problem FILE    tabular bilevel problem (JSON; see trainer/tabular/examples/README.md)
  --estimator NAME  also print "estimate": the model-free estimator; only "sobirl" (needs upper.kind "preference")
  --samples N       sampled label pairs for the estimator (default 1000)
  --seed K          seed of the estimator's sampling (default 0)
  --baseline        subtract a leave-one-out mean-loss baseline in the estimator (same mean, lower variance)`;

const flagSchema = z
  .object({
    problem: z.string({ error: 'is required (a JSON problem file)' }).min(1, { error: 'is required (a JSON problem file)' }),
    estimator: z.enum(['sobirl'], { error: (iss) => `must be "sobirl", got '${String(iss.input)}'` }).optional(),
    samples: numericFlag((n) => Number.isInteger(n) && n >= 1 && n <= 1e8, 'an integer between 1 and 1e8').optional(),
    seed: numericFlag((n) => Number.isInteger(n), 'an integer').optional(),
    baseline: z.boolean().optional(),
    help: z.boolean().optional(),
  })
  .superRefine((flags, ctx) => {
    if (flags.estimator) return;
    for (const name of ['samples', 'seed', 'baseline'] as const) {
      if (flags[name] !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'only applies with --estimator sobirl' });
    }
  });

export async function runHypergrad(argv: string[], io: CliIo): Promise<number> {
  let problemPath = '';
  try {
    const raw = parseFlags(argv, {
      problem: { type: 'string' },
      estimator: { type: 'string' },
      samples: { type: 'string' },
      seed: { type: 'string' },
      baseline: { type: 'boolean' },
      help: { type: 'boolean' },
    });
    if (raw.help) {
      io.stdout(`${HYPERGRAD_USAGE}\n`);
      return 0;
    }
    const flags = validateFlags(flagSchema, raw);
    problemPath = flags.problem;
    const problem = loadProblemFile(problemPath);
    if (flags.estimator && problem.upper.kind !== 'preference') {
      throw new UsageError(`--estimator sobirl samples labelled pairs; ${flags.problem} has upper.kind "${problem.upper.kind}" (needs "preference")`);
    }
    const { phi, grad } = exactHypergradient(problem);
    const out: { phi: number; grad: number[]; estimate?: number[] } = { phi, grad: Array.from(grad) };
    if (flags.estimator) {
      const est = sobirlEstimate(problem, { samples: flags.samples ?? 1000, seed: flags.seed ?? 0, baseline: flags.baseline ?? false });
      out.estimate = Array.from(est.estimate);
    }
    io.stdout(`${JSON.stringify(out)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ProblemError) {
      io.stderr(`error: problem file '${problemPath}':\n${e.issues.map((line) => `  ${line}`).join('\n')}\n`);
      return 2;
    }
    if (e instanceof UsageError || e instanceof ProblemTooLargeError) {
      io.stderr(`error: ${e.message}\n${e instanceof UsageError ? 'run `npm run sobirl -- hypergrad --help` for usage\n' : ''}`);
      return 2;
    }
    throw e;
  }
}
