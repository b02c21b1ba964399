/**
 * Markdown tables from a sweep's results file (sweep.ts): per task and start, each variant's
 * mean final true return as % of the oracle's (same start distribution) with a 95% percentile
 * bootstrap interval over the reported seeds, and the label count at which the seed-mean curve
 * first reaches 90% of the oracle. Then, per task, whether SoBiRL's difference from DRLHF is
 * significant (intervals disjoint), and for the exploration study where a setting of the
 * exploration half hurts (its interval entirely below DRLHF's: DRLHF is SoBiRL with the
 * exploration half off). Disjoint intervals whose gap is under MIN_GAP points of the oracle are
 * called negligible: where most seeds of both learners sit at 0% of the oracle, one at 0.001% and
 * the other at 0.0003%, the intervals can be disjoint by a hair while one lucky seed of 16 moves
 * a mean by 6 points; that is not a difference the data show.
 */
import { averageCurves } from '../simulate/simulate';
import { bootstrapMeanCi, disjoint, type MeanInterval } from './bootstrap';
import type { CellResult, SweepResults } from './sweep';

export interface CellSummary {
  cell: CellResult;
  ci: MeanInterval;
  /** First label count where the seed-mean curve >= 90% of the oracle; null if never. */
  labelsTo90: number | null;
  /** Seeds whose final return is >= 90% of the oracle's (outcomes are often all-or-nothing). */
  seedsAt90: number;
}

export function summarise(cell: CellResult): CellSummary {
  const pct = cell.seeds.map((s) => (100 * s.finalReturn) / cell.oracleReturn);
  const ci = bootstrapMeanCi(pct, { seed: 1 });
  const curve = averageCurves(cell.seeds.map((s) => ({ seed: s.seed, curve: s.curve, metrics: [], finalReturn: s.finalReturn })));
  const hit = curve.find(([, r]) => r >= 0.9 * cell.oracleReturn);
  const seedsAt90 = cell.seeds.filter((s) => s.finalReturn >= 0.9 * cell.oracleReturn).length;
  return { cell, ci, labelsTo90: hit ? hit[0] : null, seedsAt90 };
}

const NAMES: Record<string, string> = {
  sobirl: 'SoBiRL', 'm-sobirl': 'M-SoBiRL', 'stoc-sobirl': 'Stoc-SoBiRL', drlhf: 'DRLHF', pbrl: 'PBRL', hpgd: 'HPGD', oracle: 'oracle',
};
const displayName = (variant: string) => NAMES[variant] ?? variant;
const f1 = (v: number) => v.toFixed(1);
const ciText = (c: MeanInterval) => `${f1(c.mean)} [${f1(c.lo)}, ${f1(c.hi)}]`;
const labelsText = (l: number | null) => (l === null ? 'never' : String(l));

function tasksOf(results: SweepResults): Array<{ env: string; start: string }> {
  const seen = new Map<string, { env: string; start: string }>();
  for (const c of results.cells) seen.set(`${c.env}|${c.start}`, { env: c.env, start: c.start });
  return [...seen.values()];
}

/** Percentage points of the oracle: the least gap between two disjoint intervals called a difference. */
export const MIN_GAP = 1;

export function compare(a: CellSummary, b: CellSummary): 'higher' | 'lower' | 'overlap' | 'negligible' {
  if (!disjoint(a.ci, b.ci)) return 'overlap';
  if (a.ci.lo - b.ci.hi >= MIN_GAP) return 'higher';
  if (b.ci.lo - a.ci.hi >= MIN_GAP) return 'lower';
  return 'negligible';
}

export function renderTables(results: SweepResults): string {
  const summaries = results.cells.map(summarise);
  const find = (env: string, start: string, variant: string) => summaries.find((s) => s.cell.env === env && s.cell.start === start && s.cell.variant === variant);
  const algoVariants = [...new Set(results.cells.filter((c) => !c.study).map((c) => c.variant))];
  const studyVariants = [...new Set(results.cells.filter((c) => c.study).map((c) => c.variant))];
  const { grid } = results;
  const lines: string[] = [];
  lines.push(
    `Final true return as % of the oracle (exact evaluation from the task's start distribution), mean over ${grid.seeds.length} ` +
      `seeds (${grid.seeds.join(', ')}) with a 95% percentile bootstrap interval; below it the label count at which the ` +
      `seed-mean curve first reaches 90% of the oracle ("never" within ${grid.labels} labels) and how many seeds end at >= 90%. ` +
      (grid.tuningSeeds ? `Settings were chosen on seeds ${grid.tuningSeeds.join(', ')} only.` : ''),
    '',
    `| task | start | oracle return | ${algoVariants.map(displayName).join(' | ')} |`,
    `|---|---|---|${algoVariants.map(() => '---').join('|')}|`,
  );
  for (const t of tasksOf(results)) {
    const row = algoVariants.map((v) => {
      const s = find(t.env, t.start, v);
      return s ? `${ciText(s.ci)}<br>${labelsText(s.labelsTo90)} · ${s.seedsAt90}/${s.cell.seeds.length}` : '';
    });
    const oracle = summaries.find((s) => s.cell.env === t.env && s.cell.start === t.start)!.cell.oracleReturn;
    lines.push(`| ${t.env} | ${t.start} | ${oracle.toFixed(3)} | ${row.join(' | ')} |`);
  }
  lines.push('', `SoBiRL against DRLHF (significant = 95% intervals disjoint; a gap under ${MIN_GAP} point of the oracle = negligible):`, '');
  for (const t of tasksOf(results)) {
    const so = find(t.env, t.start, 'sobirl'), dr = find(t.env, t.start, 'drlhf');
    if (!so || !dr) continue;
    const verdict = compare(so, dr);
    const others = algoVariants.filter((v) => v !== 'sobirl' && v !== 'drlhf').map((v) => {
      const o = find(t.env, t.start, v);
      const c = o ? compare(so, o) : 'overlap';
      return c === 'higher' || c === 'lower' ? `${c} than ${displayName(v)}` : null;
    }).filter((x) => x !== null);
    lines.push(`- ${t.env}, ${t.start} start: SoBiRL ${ciText(so.ci)} vs DRLHF ${ciText(dr.ci)}: ` +
      (verdict === 'overlap' ? 'no significant difference.'
        : verdict === 'negligible' ? `intervals disjoint by less than ${MIN_GAP} point: negligible.`
          : `SoBiRL significantly ${verdict}.`) +
      (others.length > 0 ? ` Against the others: significantly ${others.join(', ')}.` : ' Not significantly different from any other learner either.'));
  }
  if (studyVariants.length > 0) {
    lines.push(
      '', 'The exploration half of SoBiRL, one setting changed at a time from the default (fresh pairs, once per outer iteration, weight 1, no cap, baseline on). ' +
        `**hurts** / **helps**: interval entirely below / above DRLHF's (the exploration half off), with a gap of at least ${MIN_GAP} point.`, '',
      `| task | start | ${['sobirl', ...studyVariants].map(displayName).join(' | ')} |`,
      `|---|---|${['sobirl', ...studyVariants].map(() => '---').join('|')}|`,
    );
    for (const t of tasksOf(results)) {
      const dr = find(t.env, t.start, 'drlhf');
      const row = ['sobirl', ...studyVariants].map((v) => {
        const s = find(t.env, t.start, v);
        if (!s) return '';
        const vs = dr ? compare(s, dr) : 'overlap';
        return `${ciText(s.ci)}${vs === 'lower' ? ' **hurts**' : vs === 'higher' ? ' **helps**' : ''}`;
      });
      lines.push(`| ${t.env} | ${t.start} | ${row.join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
