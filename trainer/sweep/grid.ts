/**
 * A sweep grid file (`npm run sobirl -- sweep --grid FILE`): tabular tasks x algorithm
 * variants x reported seeds, every run the `simulate` loop with the env's defaults
 * (trainer/envs/rlhf-defaults.ts) and the variant's config overrides.
 *
 *   { "description"?: string, "labels": 480, "seeds": [0, ..., 7], "tuningSeeds": [100, 101, 102],
 *     "tasks": [{ "env": "grid5", "start": "uniform" | "far" | "STATE" }, ...],
 *     "variants": [{ "id": "sobirl", "algo": "sobirl", "config"?: { ... }, "study"?: true }, ...] }
 *
 * `tuningSeeds` lists the seeds any setting was chosen on; the sweep refuses to report them
 * (a tuned-per-seed result is not a result). Variants with `study: true` form the exploration
 * study's table; the others the algorithms' table.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ENVS } from '../envs';
import { parseStart } from '../envs/start';
import { ALGORITHMS } from '../simulate/types';

const seedList = z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(1000);

export const gridSchema = z.strictObject({
  description: z.string().max(2000).optional(),
  labels: z.number().int().min(1).max(100_000),
  seeds: seedList,
  tuningSeeds: seedList.optional(),
  tasks: z.array(z.strictObject({
    env: z.string().refine((id) => ENVS[id]?.tabular !== undefined, { message: `must be a tabular environment (${Object.keys(ENVS).filter((id) => ENVS[id]!.tabular).join(', ')})` }),
    start: z.string().max(20).default('uniform'),
  })).min(1).max(100),
  variants: z.array(z.strictObject({
    id: z.string().min(1).max(60).regex(/^[\w./:=+-]+$/, 'letters, digits and . / : = + - only'),
    algo: z.enum(ALGORITHMS),
    config: z.record(z.string(), z.union([z.number(), z.boolean(), z.string().max(100)])).default({}),
    study: z.boolean().default(false),
  })).min(1).max(200),
});
export type SweepGrid = z.infer<typeof gridSchema>;

/** A malformed grid: each issue names its field. */
export class GridError extends Error {}

export function parseGrid(json: unknown): SweepGrid {
  const parsed = gridSchema.safeParse(json);
  if (!parsed.success) {
    throw new GridError(parsed.error.issues.map((i) => `${i.path.join('.') || '(grid)'}: ${i.message}`).join('\n'));
  }
  const grid = parsed.data;
  const issues: string[] = [];
  const reused = grid.seeds.filter((s) => grid.tuningSeeds?.includes(s));
  if (reused.length > 0) issues.push(`seeds: ${reused.join(', ')} also listed in tuningSeeds; report seeds must be separate from tuning seeds`);
  if (new Set(grid.seeds).size !== grid.seeds.length) issues.push('seeds: listed twice');
  const ids = grid.variants.map((v) => v.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) issues.push(`variants: id '${dup}' listed twice`);
  grid.tasks.forEach((t, i) => {
    try {
      parseStart(t.start, ENVS[t.env]!);
    } catch (error) {
      issues.push(`tasks.${i}.${(error as Error).message}`);
    }
  });
  if (issues.length > 0) throw new GridError(issues.join('\n'));
  return grid;
}

export function loadGrid(path: string): SweepGrid {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new GridError(`cannot read grid file '${path}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GridError(`grid file '${path}' is not valid JSON (${(error as Error).message})`);
  }
  return parseGrid(json);
}
