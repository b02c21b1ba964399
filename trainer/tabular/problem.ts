/**
 * The JSON problem file of `sobirl hypergrad`: a tabular bilevel problem (issue 2).
 *
 *   { "transitions": [S][A][S], "features": [S][A][n], "x": [n], "gamma", "tau", "rho": [S],
 *     "upper": { "kind": "return", "trueReward": [S][A], "l2": number }
 *            | { "kind": "preference", "trueReward": [S][A], "horizon": H, "beta": number },
 *     "description"?: string }
 *
 * r_x(s, a) = features[s][a] . x. Validation happens in two passes: zod checks types (every number
 * a finite number, known keys only, a known upper kind), then `rangeIssues` and `shapeIssues` check
 * the scalars' ranges, that the arrays agree with each other (S, A, n) and that P and rho are
 * distributions. Every message names the
 * field as a path (`transitions[2][1]`), so a user can find it in the file.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TabularMdp } from './soft';

/** Rows of P and rho must sum to 1 within this (the messages say 1e-6). */
export const DISTRIBUTION_TOLERANCE = 1e-6;

export interface ReturnUpper {
  kind: 'return';
  /** trueReward[s*A + a]. */
  trueReward: Float64Array;
  l2: number;
}

export interface PreferenceUpper {
  kind: 'preference';
  trueReward: Float64Array;
  /** Segment length H (number of (s, a) steps). */
  horizon: number;
  /** Annotator rationality: P(d1 preferred) = sig(beta (Rbar(d1) - Rbar(d2))). */
  beta: number;
}

export interface TabularProblem {
  mdp: TabularMdp;
  /** Number of reward parameters. */
  n: number;
  /** features[(s*A + a)*n + j] = grad_x r_sa (r is linear in x). */
  features: Float64Array;
  x: Float64Array;
  rho: Float64Array;
  upper: ReturnUpper | PreferenceUpper;
  description?: string;
}

/** A malformed problem: `issues` are `field: what is wrong` lines. */
export class ProblemError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join('\n'));
  }
}

const num = z.number({ error: (iss) => `must be a number, got ${describe(iss.input)}` });
const numArray = z.array(num, { error: (iss) => `must be an array, got ${describe(iss.input)}` });
const numMatrix = z.array(numArray, { error: (iss) => `must be an array of arrays, got ${describe(iss.input)}` });
const numCube = z.array(numMatrix, { error: (iss) => `must be an array of arrays of arrays, got ${describe(iss.input)}` });

const returnUpper = z.strictObject({
  kind: z.literal('return'),
  trueReward: numMatrix,
  l2: num,
});

const preferenceUpper = z.strictObject({
  kind: z.literal('preference'),
  trueReward: numMatrix,
  horizon: num,
  beta: num,
});

const problemSchema = z.strictObject({
  description: z.string().optional(),
  transitions: numCube,
  features: numCube,
  x: numArray,
  gamma: num,
  tau: num,
  rho: numArray,
  upper: z.discriminatedUnion('kind', [returnUpper, preferenceUpper], {
    error: (iss) =>
      iss.code === 'invalid_union' ? 'kind must be "return" or "preference"' : `must be an object, got ${describe(iss.input)}`,
  }),
});

type RawProblem = z.infer<typeof problemSchema>;

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 40))}` : typeof v;
}

/** ['transitions', 2, 1] -> 'transitions[2][1]'; ['upper', 'kind'] -> 'upper.kind'. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(top level)';
}

const fmt = (v: number) => Number(v.toPrecision(6)).toString();

/** Ranges of the scalars (checked with the shapes, so one run reports every problem). */
function rangeIssues(raw: RawProblem): string[] {
  const issues: string[] = [];
  if (!(raw.gamma >= 0 && raw.gamma < 1)) issues.push(`gamma: must be in [0, 1), got ${raw.gamma}`);
  if (!(raw.tau > 0)) issues.push(`tau: must be > 0 (the entropy weight), got ${raw.tau}`);
  const upper = raw.upper;
  if (upper.kind === 'return' && !(upper.l2 >= 0)) issues.push(`upper.l2: must be >= 0, got ${upper.l2}`);
  if (upper.kind === 'preference') {
    if (!(Number.isInteger(upper.horizon) && upper.horizon >= 1)) issues.push(`upper.horizon: must be a whole number of steps >= 1, got ${upper.horizon}`);
    if (!(upper.beta >= 0)) issues.push(`upper.beta: must be >= 0 (an annotator who prefers the better segment), got ${upper.beta}`);
  }
  return issues;
}

/** Cross-field checks on a type-correct problem: consistent S, A, n; distributions sum to 1. */
function shapeIssues(raw: RawProblem): string[] {
  const issues: string[] = [];
  const S = raw.transitions.length;
  if (S === 0) return ['transitions: must list at least one state'];
  const A = raw.transitions[0]!.length;
  if (A === 0) return ['transitions[0]: must list at least one action'];

  raw.transitions.forEach((perAction, s) => {
    if (perAction.length !== A) issues.push(`transitions[${s}]: has ${perAction.length} actions, expected ${A} (as transitions[0]); ragged array`);
    perAction.forEach((row, a) => {
      const field = `transitions[${s}][${a}]`;
      if (row.length !== S) { issues.push(`${field}: has ${row.length} next-state probabilities, expected S = ${S}`); return; }
      const negative = row.findIndex((p) => p < 0);
      if (negative >= 0) issues.push(`${field}[${negative}]: probability ${fmt(row[negative]!)} is negative`);
      const total = row.reduce((t, p) => t + p, 0);
      if (Math.abs(total - 1) > DISTRIBUTION_TOLERANCE) issues.push(`${field}: row sums to ${fmt(total)}, must sum to 1 (tolerance 1e-6)`);
    });
  });

  const n = raw.features[0]?.[0]?.length ?? 0;
  if (raw.features.length !== S) issues.push(`features: has ${raw.features.length} states, expected S = ${S} (as transitions)`);
  if (n === 0) issues.push('features[0][0]: must have at least one feature (n >= 1)');
  raw.features.forEach((perAction, s) => {
    if (perAction.length !== A) issues.push(`features[${s}]: has ${perAction.length} actions, expected A = ${A}`);
    perAction.forEach((f, a) => {
      if (f.length !== n) issues.push(`features[${s}][${a}]: has ${f.length} features, expected n = ${n} (as features[0][0]); ragged array`);
    });
  });
  if (n > 0 && raw.x.length !== n) issues.push(`x: has ${raw.x.length} entries, but features have n = ${n} per (s, a)`);

  if (raw.rho.length !== S) issues.push(`rho: has ${raw.rho.length} entries, expected S = ${S}`);
  else {
    const negative = raw.rho.findIndex((p) => p < 0);
    if (negative >= 0) issues.push(`rho[${negative}]: probability ${fmt(raw.rho[negative]!)} is negative`);
    const total = raw.rho.reduce((t, p) => t + p, 0);
    if (Math.abs(total - 1) > DISTRIBUTION_TOLERANCE) issues.push(`rho: sums to ${fmt(total)}, must be a distribution summing to 1 (tolerance 1e-6)`);
  }

  const reward = raw.upper.trueReward;
  if (reward.length !== S) issues.push(`upper.trueReward: has ${reward.length} states, expected S = ${S}`);
  reward.forEach((row, s) => {
    if (row.length !== A) issues.push(`upper.trueReward[${s}]: has ${row.length} actions, expected A = ${A}`);
  });
  return issues;
}

/** Validate a parsed JSON value; throws ProblemError listing every issue found. */
export function parseProblem(json: unknown): TabularProblem {
  const parsed = problemSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProblemError(
      parsed.error.issues.map((iss) =>
        iss.code === 'unrecognized_keys'
          ? `${formatPath(iss.path)}: unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => JSON.stringify(k)).join(', ')} (a typo?)`
          : `${formatPath(iss.path)}: ${iss.message}`,
      ),
    );
  }
  const raw = parsed.data;
  const issues = [...rangeIssues(raw), ...shapeIssues(raw)];
  if (issues.length > 0) throw new ProblemError(issues);

  const S = raw.transitions.length, A = raw.transitions[0]!.length, n = raw.x.length;
  const flat = (rows: number[][][]) => Float64Array.from(rows.flat(2));
  const upper: ReturnUpper | PreferenceUpper =
    raw.upper.kind === 'return'
      ? { kind: 'return', trueReward: Float64Array.from(raw.upper.trueReward.flat()), l2: raw.upper.l2 }
      : { kind: 'preference', trueReward: Float64Array.from(raw.upper.trueReward.flat()), horizon: raw.upper.horizon, beta: raw.upper.beta };
  return {
    mdp: { S, A, P: flat(raw.transitions), gamma: raw.gamma, tau: raw.tau },
    n,
    features: flat(raw.features),
    x: Float64Array.from(raw.x),
    rho: Float64Array.from(raw.rho),
    upper,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
  };
}

/** Read and validate a problem file; a missing file or invalid JSON is a ProblemError too. */
export function loadProblemFile(path: string): TabularProblem {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ProblemError([code === 'ENOENT' ? `file '${path}' does not exist` : `cannot read '${path}' (${code ?? (e as Error).message})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProblemError([`not valid JSON (${(e as Error).message})`]);
  }
  return parseProblem(json);
}

/** Back to the JSON layout (for examples and tests that write problem files). */
export function problemToJson(p: TabularProblem): Record<string, unknown> {
  const { S, A, P, gamma, tau } = p.mdp;
  const cube = (v: Float64Array, k: number) =>
    Array.from({ length: S }, (_, s) => Array.from({ length: A }, (_, a) => Array.from(v.subarray((s * A + a) * k, (s * A + a + 1) * k))));
  const matrix = (v: Float64Array) => Array.from({ length: S }, (_, s) => Array.from(v.subarray(s * A, (s + 1) * A)));
  const upper =
    p.upper.kind === 'return'
      ? { kind: 'return', trueReward: matrix(p.upper.trueReward), l2: p.upper.l2 }
      : { kind: 'preference', trueReward: matrix(p.upper.trueReward), horizon: p.upper.horizon, beta: p.upper.beta };
  return {
    ...(p.description !== undefined ? { description: p.description } : {}),
    transitions: cube(P, S),
    features: cube(p.features, p.n),
    x: Array.from(p.x),
    gamma,
    tau,
    rho: Array.from(p.rho),
    upper,
  };
}
