/**
 * Turns per-run, per-metric point lists into what recharts draws: one row per iteration with a
 * column per line. Several runs overlay on one chart because every series is indexed by
 * iteration; a run without a point at some iteration leaves that cell empty (recharts bridges
 * the gap with `connectNulls`).
 */

export interface Point {
  iteration: number;
  value: number;
}

export interface LineSpec {
  /** Column name in the rows; unique per chart. */
  key: string;
  /** Legend text, e.g. "#3 sobirl · learned". */
  label: string;
  points: readonly Point[];
  color: string;
  dashed: boolean;
  axis: 'left' | 'right';
}

export type ChartRow = { iteration: number } & Record<string, number>;

export function mergeSeries(lines: ReadonlyArray<Pick<LineSpec, 'key' | 'points'>>): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  for (const line of lines) {
    for (const p of line.points) {
      if (!Number.isFinite(p.value)) continue;
      let row = rows.get(p.iteration);
      if (!row) rows.set(p.iteration, (row = { iteration: p.iteration } as ChartRow));
      row[line.key] = p.value;
    }
  }
  return [...rows.values()].sort((a, b) => a.iteration - b.iteration);
}

/** Line colours: metric k of a chart gets colour k; the page's own run is solid, compared runs dashed. */
export const PALETTE = ['#1565c0', '#c62828', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#5d4037', '#455a64'] as const;

export interface ChartMetric {
  name: string;
  label: string;
  axis?: 'left' | 'right';
}

export interface RunPoints {
  runId: number;
  runLabel: string;
  series: Readonly<Record<string, readonly Point[]>>;
}

/**
 * The lines of one chart: each metric of the chart for each run, the page's run first. With
 * one metric, runs take the colours (easier to tell apart); with several, metrics do and runs
 * differ by dash.
 */
export function chartLines(metrics: readonly ChartMetric[], runs: readonly RunPoints[]): LineSpec[] {
  const lines: LineSpec[] = [];
  runs.forEach((run, r) => {
    metrics.forEach((m, k) => {
      const points = run.series[m.name] ?? [];
      const color = metrics.length === 1 ? PALETTE[r % PALETTE.length]! : PALETTE[k % PALETTE.length]!;
      lines.push({
        key: `r${run.runId}:${m.name}`,
        label: runs.length > 1 || metrics.length === 1 ? `${run.runLabel}${metrics.length > 1 ? ` · ${m.label}` : ''}` : m.label,
        points,
        color,
        dashed: metrics.length > 1 && r > 0,
        axis: m.axis ?? 'left',
      });
    });
  });
  return lines;
}

/** How many plotted points a set of lines has (a chart with none shows a note instead). */
export function pointCount(lines: readonly LineSpec[]): number {
  return lines.reduce((n, l) => n + l.points.filter((p) => Number.isFinite(p.value)).length, 0);
}
