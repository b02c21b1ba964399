'use client';

import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import styles from './runDetail.module.css';

interface StepRewardChartProps {
  learned: readonly number[] | null;
  truth: readonly number[] | null;
  /** The step the player shows (a vertical marker). */
  step: number;
  label: string;
}

/** Learned (left axis) and true (right axis) reward at each step of one clip, under its player. */
export function StepRewardChart({ learned, truth, step, label }: StepRewardChartProps) {
  const steps = Math.max(learned?.length ?? 0, truth?.length ?? 0);
  if (steps === 0 || !learned) {
    return <div className={styles.chartEmpty}>No learned reward for this clip (needs a readable checkpoint; see the notes).</div>;
  }
  const rows = Array.from({ length: steps }, (_, h) => ({ step: h, learned: learned[h], true: truth?.[h] }));
  return (
    <figure className={styles.stepChart} data-testid={`step-reward-${label}`}>
      <ResponsiveContainer width="100%" height={150}>
        <LineChart data={rows} margin={{ top: 4, right: 4, bottom: 14, left: 4 }}>
          <CartesianGrid stroke="#e3e8ee" strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={[0, Math.max(steps - 1, 1)]} allowDecimals={false} tick={{ fontSize: 11 }}
            label={{ value: 'step', position: 'insideBottom', offset: -8, fontSize: 11 }} />
          <YAxis yAxisId="learned" tick={{ fontSize: 11 }} width={44}
            label={{ value: 'learned r', angle: -90, position: 'insideLeft', fontSize: 11, style: { textAnchor: 'middle' } }} />
          <YAxis yAxisId="true" orientation="right" tick={{ fontSize: 11 }} width={40}
            label={{ value: 'true r', angle: 90, position: 'insideRight', fontSize: 11, style: { textAnchor: 'middle' } }} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v)} labelFormatter={(h) => `step ${h}`} />
          <Legend wrapperStyle={{ fontSize: 11 }} verticalAlign="top" height={18} />
          <ReferenceLine yAxisId="learned" x={Math.min(step, steps - 1)} stroke="#90a4ae" />
          <Line yAxisId="learned" dataKey="learned" name="learned reward" stroke="#1565c0" strokeWidth={1.8} dot={{ r: 2 }} isAnimationActive={false} />
          {truth && (
            <Line yAxisId="true" dataKey="true" name="true reward" stroke="#2e7d32" strokeDasharray="4 3" strokeWidth={1.5} dot={false} isAnimationActive={false} />
          )}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
