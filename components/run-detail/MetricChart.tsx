'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { mergeSeries, pointCount, type LineSpec } from './chartData';
import styles from './runDetail.module.css';

interface MetricChartProps {
  title: string;
  /** Left y-axis label; `rightLabel` adds a right axis for lines with axis 'right'. */
  yLabel: string;
  rightLabel?: string;
  lines: readonly LineSpec[];
  /** Fixed y range (accuracy, correlation); otherwise recharts fits the data. */
  domain?: [number, number];
  /** Shown when no line has a point yet. */
  emptyText: string;
  testId: string;
}

// Compact ticks (120K, not 1.2e+5): simulated annotators label tens of thousands per hour.
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 3 });
const formatTick = (v: number) => (Math.abs(v) >= 1000 ? compact.format(v) : Number(v.toPrecision(3)).toString());

/** One titled line chart over iterations; animations off so a refresh never replays them. */
export function MetricChart({ title, yLabel, rightLabel, lines, domain, emptyText, testId }: MetricChartProps) {
  const rows = mergeSeries(lines);
  const points = pointCount(lines);
  const hasRight = rightLabel !== undefined && lines.some((l) => l.axis === 'right');
  return (
    <figure className={styles.chart} data-testid={testId} data-points={points}>
      <figcaption className={styles.chartTitle}>{title}</figcaption>
      {points === 0 ? (
        <div className={styles.chartEmpty}>{emptyText}</div>
      ) : (
        <ResponsiveContainer width="100%" height={190}>
          <LineChart data={rows} margin={{ top: 4, right: hasRight ? 4 : 14, bottom: 14, left: 4 }}>
            <CartesianGrid stroke="#e3e8ee" strokeDasharray="3 3" />
            <XAxis
              dataKey="iteration" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} tick={{ fontSize: 11 }}
              label={{ value: 'iteration', position: 'insideBottom', offset: -8, fontSize: 11 }}
            />
            <YAxis
              yAxisId="left" domain={domain ?? ['auto', 'auto']} tick={{ fontSize: 11 }} tickFormatter={formatTick} width={52}
              label={{ value: yLabel, angle: -90, position: 'insideLeft', fontSize: 11, style: { textAnchor: 'middle' } }}
            />
            {hasRight && (
              <YAxis
                yAxisId="right" orientation="right" domain={['auto', 'auto']} tick={{ fontSize: 11 }} tickFormatter={formatTick} width={52}
                label={{ value: rightLabel, angle: 90, position: 'insideRight', fontSize: 11, style: { textAnchor: 'middle' } }}
              />
            )}
            <Tooltip formatter={(v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v)} labelFormatter={(k) => `iteration ${k}`} />
            {/* No fixed height: with overlaid runs the legend wraps, and recharts makes room for it. */}
            <Legend wrapperStyle={{ fontSize: 11, lineHeight: '14px' }} verticalAlign="top" />
            {lines.map((l) => (
              <Line
                key={l.key}
                yAxisId={hasRight ? l.axis : 'left'}
                dataKey={l.key}
                name={l.label}
                stroke={l.color}
                strokeWidth={1.8}
                strokeDasharray={l.dashed ? '5 3' : undefined}
                dot={l.points.length < 40 ? { r: 2 } : false}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
