'use client';

import { useState } from 'react';
import { divergingColor, maxAbs, stateValues } from './heatmap';
import styles from './runDetail.module.css';

export interface HeatmapData {
  S: number;
  A: number;
  actionNames: readonly string[];
  rows: number;
  cols: number;
  cells: ReadonlyArray<{ row: number; col: number }>;
  learned: readonly number[];
  true: readonly number[];
}

function Grid({ title, values, cells, rows, cols, testId }: {
  title: string; values: readonly number[]; cells: HeatmapData['cells']; rows: number; cols: number; testId: string;
}) {
  const scale = maxAbs(values);
  return (
    <figure className={styles.heatmap} data-testid={testId}>
      <figcaption>{title} <span className={styles.muted}>(±{Number(scale.toPrecision(3))})</span></figcaption>
      <div className={styles.heatGrid} style={{ gridTemplateColumns: `repeat(${cols}, 1fr)`, gridTemplateRows: `repeat(${rows}, 1fr)` }}>
        {values.map((v, s) => (
          <div
            key={s}
            className={styles.heatCell}
            style={{ gridRow: cells[s]!.row + 1, gridColumn: cells[s]!.col + 1, background: divergingColor(v, scale) }}
            title={`state ${s}: ${v.toPrecision(4)}`}
          >
            {Number(v.toPrecision(2))}
          </div>
        ))}
      </div>
    </figure>
  );
}

/** Learned reward per state (one action, or the mean over actions) beside the true one, as CSS grids. */
export function RewardHeatmap({ data, iteration }: { data: HeatmapData; iteration: number }) {
  const [action, setAction] = useState<number | null>(null);
  return (
    <div className={styles.heatmaps}>
      <label className={styles.inlineLabel}>
        Action
        <select value={action ?? ''} onChange={(e) => setAction(e.target.value === '' ? null : Number(e.target.value))}>
          <option value="">mean over actions</option>
          {data.actionNames.map((name, a) => <option key={name} value={a}>{name}</option>)}
        </select>
      </label>
      <Grid title={`Learned reward (iteration ${iteration})`} values={stateValues(data.learned, data.S, data.A, action)}
        cells={data.cells} rows={data.rows} cols={data.cols} testId="heatmap-learned" />
      <Grid title="True reward" values={stateValues(data.true, data.S, data.A, action)}
        cells={data.cells} rows={data.rows} cols={data.cols} testId="heatmap-true" />
    </div>
  );
}
