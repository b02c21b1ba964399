/**
 * The README's mountaincar / acrobot results (issue 16) from the per-seed `simulate --json` runs:
 *
 *   npx tsx scripts/issue16-report.ts collect OUT.json RUN.json... [--variant TEXT RUN.json...]   one record per (env, algo, variant, seed)
 *   npx tsx scripts/issue16-report.ts report RESULTS.json SVG        the README tables on stdout, the curves as an SVG
 *
 * `collect` reads each run's JSON (one seed each: `--seed-list K --json`) and, where a lanes.log
 * sits beside them ("HH:MM:SS start NAME load A B C" / "... end NAME ..."), the 1-minute load
 * average when the run started and ended. `report` computes, per task and algorithm, the mean ±
 * sample sd of the final returns, the % of the way from the random policy to the oracle's mean
 * ((return - random) / (oracle - random)), the mean curve, and draws the mean curves.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';

const simulateJson = z.object({
  env: z.string(),
  algo: z.string(),
  teacher: z.string(),
  /** Absent in runs from before simulate reported it: those drew their pairs uniformly. */
  querySelection: z.enum(['uniform', 'disagreement']).default('uniform'),
  randomReturn: z.number(),
  perSeed: z.array(z.object({ seed: z.number(), finalReturn: z.number(), seconds: z.number() })).length(1),
  curve: z.array(z.tuple([z.number(), z.number()])),
});

const record = z.object({
  env: z.string(),
  algo: z.string(),
  teacher: z.string(),
  querySelection: z.enum(['uniform', 'disagreement']).default('uniform'),
  /** Settings that differ from the env's defaults (collect's --variant, e.g. "exploreCoef 0.01"); absent: the defaults. */
  variant: z.string().optional(),
  seed: z.number(),
  finalReturn: z.number(),
  seconds: z.number(),
  randomReturn: z.number(),
  /** 1-minute load average at the run's start and end (null: no lanes.log). */
  load: z.tuple([z.number(), z.number()]).nullable(),
  curve: z.array(z.tuple([z.number(), z.number()])),
});
type RunRecord = z.infer<typeof record>;
const results = z.object({ runs: z.array(record) });

const ALGO_ORDER = ['oracle', 'sobirl', 'drlhf'] as const;
const ALGO_NAMES: Record<string, string> = { oracle: 'oracle (soft Q, true reward)', sobirl: 'SoBiRL', drlhf: 'DRLHF' };
const ALGO_COLOURS: Record<string, string> = { oracle: '#424242', sobirl: '#1565c0', drlhf: '#c62828' };

function loads(dir: string): Map<string, { start?: number; end?: number }> {
  const out = new Map<string, { start?: number; end?: number }>();
  const log = join(dir, 'lanes.log');
  if (!existsSync(log)) return out;
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /^\S+ (start|end) (\S+) .*load ([\d.]+)/.exec(line);
    if (!m) continue;
    const entry = out.get(m[2]!) ?? {};
    entry[m[1] as 'start' | 'end'] = Number(m[3]);
    out.set(m[2]!, entry);
  }
  return out;
}

/** `files`: run JSONs, each `--variant TEXT` naming the settings of the files after it (until the next). */
function collect(outPath: string, files: readonly string[]): void {
  let variant: string | undefined;
  const tagged: Array<{ file: string; variant: string | undefined }> = [];
  for (let i = 0; i < files.length; i++) {
    if (files[i] === '--variant') variant = files[++i] || undefined;
    else tagged.push({ file: files[i]!, variant });
  }
  const runs: RunRecord[] = tagged.map(({ file, variant }) => {
    const run = simulateJson.parse(JSON.parse(readFileSync(file, 'utf8')));
    const seed = run.perSeed[0]!;
    const load = loads(dirname(file)).get(basename(file, '.json'));
    return {
      env: run.env, algo: run.algo, teacher: run.teacher, querySelection: run.querySelection, ...(variant ? { variant } : {}), seed: seed.seed, finalReturn: seed.finalReturn, seconds: seed.seconds,
      randomReturn: run.randomReturn, load: load?.start !== undefined && load.end !== undefined ? [load.start, load.end] : null, curve: run.curve,
    };
  });
  runs.sort((a, b) => a.env.localeCompare(b.env) || ALGO_ORDER.indexOf(a.algo as never) - ALGO_ORDER.indexOf(b.algo as never) || (a.variant ?? '').localeCompare(b.variant ?? '') || a.seed - b.seed);
  writeFileSync(outPath, `${JSON.stringify({ runs }, null, 1)}\n`);
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
/** Sample standard deviation (n - 1). */
const sd = (xs: readonly number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

interface Row {
  env: string;
  algo: string;
  variant: string | undefined;
  runs: RunRecord[];
  mean: number;
  sd: number;
  /** Mean return at each curve point (labels -> return), over the seeds. */
  curve: Array<[number, number]>;
}

function rows(all: readonly RunRecord[]): Row[] {
  const out: Row[] = [];
  for (const env of [...new Set(all.map((r) => r.env))].sort()) {
    for (const algo of ALGO_ORDER) {
     for (const variant of [...new Set(all.filter((r) => r.env === env && r.algo === algo).map((r) => r.variant))]) {
      const runs = all.filter((r) => r.env === env && r.algo === algo && r.variant === variant);
      const finals = runs.map((r) => r.finalReturn);
      const points = runs[0]!.curve.map(([labels]) => labels);
      const curve = points.map((labels): [number, number] => [labels, mean(runs.map((r) => r.curve.find(([l]) => l === labels)![1]))]);
      out.push({ env, algo, variant, runs, mean: mean(finals), sd: sd(finals), curve });
     }
    }
  }
  return out;
}

const f1 = (x: number) => x.toFixed(1);
/** The row's algorithm, with its variant where it has one. */
const who = (row: Row, full: boolean) => `${full ? (ALGO_NAMES[row.algo] ?? row.algo) : (ALGO_NAMES[row.algo]?.split(' ')[0] ?? row.algo)}${row.variant ? ` (${row.variant})` : ''}`;

function markdown(all: readonly RunRecord[], table: readonly Row[]): string {
  const lines = ['| task | who | seeds | final return per seed | mean ± sd | of the way random -> oracle | wall time per seed (s) | load (1 min) |', '|---|---|---|---|---|---|---|---|'];
  for (const env of [...new Set(table.map((r) => r.env))]) {
    const oracle = table.find((r) => r.env === env && r.algo === 'oracle' && !r.variant);
    const random = all.find((r) => r.env === env)!.randomReturn;
    for (const row of table.filter((r) => r.env === env)) {
      const way = oracle ? `${Math.round((100 * (row.mean - random)) / (oracle.mean - random))}%` : 'no oracle row';
      const teacher = row.algo === 'oracle' ? '' : `, ${row.runs[0]!.teacher} teacher${row.runs[0]!.querySelection === 'disagreement' ? ', disagreement-selected pairs' : ''}`;
      const load = row.runs.flatMap((r) => r.load ?? []);
      lines.push(
        `| ${env} | ${who(row, true)}${teacher} | ${row.runs.map((r) => r.seed).join(',')} | ${row.runs.map((r) => f1(r.finalReturn)).join(' ')} | **${f1(row.mean)} ± ${f1(row.sd)}** | ${way} | ${row.runs.map((r) => Math.round(r.seconds)).join(' ')} | ${load.length ? `${f1(Math.min(...load))}-${f1(Math.max(...load))}` : '-'} |`,
      );
    }
    const ninety = oracle ? `, 90% = ${f1(random + 0.9 * (oracle.mean - random))}` : '';
    lines.push(`| ${env} | random policy (200 episodes) | | | ${f1(random)} | 0%${ninety} | | |`);
  }
  const points = table[0]!.curve.map(([l]) => l).filter((l) => l % 100 === 0);
  lines.push('', `Mean curves (labels -> return of the sampled soft policy, 10 episodes per point, mean over the seeds above):`, '');
  lines.push(`| task, who | ${points.join(' | ')} |`, `|---|${points.map(() => '---').join('|')}|`);
  for (const row of table) {
    lines.push(`| ${row.env} ${who(row, false)} (${row.runs.length} seeds) | ${points.map((p) => Math.round(row.curve.find(([l]) => l === p)![1])).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** One panel per task: the mean curve of each algorithm, the random policy's return and the 90% line dashed. */
function svg(all: readonly RunRecord[], table: readonly Row[]): string {
  const envs = [...new Set(table.map((r) => r.env))];
  const W = 420, H = 260, M = { left: 50, right: 12, top: 28, bottom: 36 };
  const parts: string[] = [];
  envs.forEach((env, i) => {
    const x0 = i * W;
    const rowsOf = table.filter((r) => r.env === env);
    const random = all.find((r) => r.env === env)!.randomReturn;
    const oracle = rowsOf.find((r) => r.algo === 'oracle' && !r.variant);
    const ninety = oracle ? random + 0.9 * (oracle.mean - random) : null;
    const values = [random, ...rowsOf.flatMap((r) => r.curve.map(([, v]) => v))];
    // Round ticks: the smallest of these steps that needs at most 6 of them.
    const span = Math.max(...values) - Math.min(...values);
    const step = [10, 20, 25, 50, 100, 200, 500].find((s) => span / s <= 6) ?? 1000;
    const lo = Math.floor(Math.min(...values) / step) * step, hi = Math.ceil(Math.max(...values) / step) * step;
    const maxLabels = Math.max(...rowsOf.flatMap((r) => r.curve.map(([l]) => l)));
    const px = (labels: number) => x0 + M.left + ((W - M.left - M.right) * labels) / maxLabels;
    const py = (v: number) => M.top + ((H - M.top - M.bottom) * (hi - v)) / (hi - lo);
    parts.push(`<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">${env}</text>`);
    parts.push(`<line x1="${px(0)}" y1="${py(lo)}" x2="${px(maxLabels)}" y2="${py(lo)}" stroke="#000"/><line x1="${px(0)}" y1="${py(lo)}" x2="${px(0)}" y2="${py(hi)}" stroke="#000"/>`);
    for (let v = lo; v <= hi; v += step) {
      parts.push(`<text x="${px(0) - 4}" y="${py(v) + 4}" text-anchor="end">${Math.round(v)}</text>`);
    }
    for (let l = 0; l <= maxLabels; l += maxLabels / 5) parts.push(`<text x="${px(l)}" y="${py(lo) + 14}" text-anchor="middle">${l}</text>`);
    parts.push(`<text x="${x0 + W / 2}" y="${H - 6}" text-anchor="middle">labels</text>`);
    const hline = (v: number, label: string) =>
      parts.push(`<line x1="${px(0)}" y1="${py(v)}" x2="${px(maxLabels)}" y2="${py(v)}" stroke="#9e9e9e" stroke-dasharray="4 3"/><text x="${px(maxLabels)}" y="${py(v) - 3}" text-anchor="end" fill="#757575">${label}</text>`);
    hline(random, `random ${f1(random)}`);
    if (ninety !== null) hline(ninety, `90% of the way ${f1(ninety)}`);
    rowsOf.forEach((row, k) => {
      const points = row.curve.map(([l, v]) => `${px(l).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
      // A variant is drawn dashed in its algorithm's colour.
      parts.push(`<polyline fill="none" stroke="${ALGO_COLOURS[row.algo] ?? '#000'}" stroke-width="2"${row.variant ? ' stroke-dasharray="6 3"' : ''} points="${points}"/>`);
      parts.push(`<text x="${px(maxLabels * 0.45)}" y="${py(lo) - 24 - 14 * k}" fill="${ALGO_COLOURS[row.algo] ?? '#000'}">${who(row, false)} (${row.runs.length} seeds): ${f1(row.mean)}</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W * envs.length}" height="${H}" font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`;
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'collect' && args.length >= 2) {
  collect(args[0]!, args.slice(1));
} else if (mode === 'report' && args.length === 2) {
  const { runs } = results.parse(JSON.parse(readFileSync(args[0]!, 'utf8')));
  const table = rows(runs);
  process.stdout.write(`${markdown(runs, table)}\n`);
  writeFileSync(args[1]!, svg(runs, table));
} else {
  process.stderr.write('usage: npx tsx scripts/issue16-report.ts collect OUT.json RUN.json... [--variant TEXT RUN.json...] | report RESULTS.json OUT.svg\n');
  process.exitCode = 2;
}
