'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import { chartLines, type RunPoints } from './chartData';
import { CHARTED_METRICS, RUN_CHARTS } from './charts';
import { AgreementPanel } from './AgreementPanel';
import { CampaignPanel } from './CampaignPanel';
import { CheckpointTable } from './CheckpointTable';
import { ClipInspector } from './ClipInspector';
import { MetricChart } from './MetricChart';
import styles from './runDetail.module.css';

/** While the run trains, everything on the page asks again this often (a grid5 iteration takes about a second). */
export const LIVE_REFRESH_MS = 3_000;

const runLabel = (r: { runId: number; name: string; algorithm: string }) => `#${r.runId} ${r.algorithm}`;

/** The researcher's page for one run: live charts, overlays of other runs, checkpoints, clip inspector. */
export function RunDetail({ runId }: { runId: number }) {
  const trpc = useTRPC();
  const [compareWith, setCompareWith] = useState<number[]>([]);
  const summary = useQuery(
    trpc.inspect.run.queryOptions({ runId }, { refetchInterval: (q) => (q.state.data?.run.status === 'active' ? LIVE_REFRESH_MS : false) }),
  );
  const live = summary.data?.run.status === 'active';
  const refetchInterval = live ? LIVE_REFRESH_MS : false;
  const metrics = useQuery(
    trpc.inspect.metrics.queryOptions(
      { runIds: [runId, ...compareWith], names: [...CHARTED_METRICS] },
      // Keep the old curves on screen while a new comparison loads.
      { refetchInterval, placeholderData: keepPreviousData },
    ),
  );

  if (summary.isPending) return <section className="card wide">Loading run #{runId}…</section>;
  if (summary.isError) return <section className="card wide form-error" role="alert">{errorMessage(summary.error)}</section>;
  const { run, counts, comparable, configError } = summary.data;
  const runs: RunPoints[] = (metrics.data ?? []).map((r) => ({ runId: r.runId, runLabel: runLabel(r), series: r.series }));
  const notes = (metrics.data ?? []).flatMap((r) => r.notes.map((n) => `#${r.runId}: ${n}`));

  return (
    <div className={styles.page} data-testid="run-detail" data-run-id={run.id} data-iteration={run.iteration} data-status={run.status}>
      <header className={styles.header}>
        <div>
          <h1 className={styles.title}>
            {run.name} <span className={styles.muted}>#{run.id}</span>
          </h1>
          <div className={styles.facts}>
            <span>{run.envId}</span>
            <span>{run.algorithm}</span>
            <span className={`${styles.status} ${styles[run.status] ?? ''}`}>{run.status}</span>
            <span>iteration <strong data-testid="run-iteration">{run.iteration}</strong></span>
            <span>{counts.labels} labels by {counts.annotators}</span>
            <span>{counts.pairsPending} / {counts.pairs} pairs pending</span>
            <span>{counts.checkpoints} checkpoints</span>
            <span className={styles.muted}>{live ? `live: refreshes every ${LIVE_REFRESH_MS / 1000} s` : 'not training: not refreshing'}</span>
            <Link href="/runs">All runs</Link>
          </div>
          {run.lastError && <p className="form-error" role="alert">Trainer: {run.lastError}</p>}
          {configError && <p className="form-error" role="alert">{configError}</p>}
        </div>
        <label className={styles.compare}>
          Compare with
          <select
            multiple
            size={3}
            aria-label="Compare with"
            value={compareWith.map(String)}
            onChange={(e) => setCompareWith([...e.target.selectedOptions].map((o) => Number(o.value)).slice(0, 7))}
          >
            {comparable.map((r) => (
              <option key={r.id} value={r.id}>{`#${r.id} ${r.name} (${r.envId}, ${r.algorithm})`}</option>
            ))}
          </select>
        </label>
      </header>
      {metrics.isError && <p className="form-error" role="alert">{errorMessage(metrics.error)}</p>}
      <div className={styles.charts}>
        {RUN_CHARTS.map((c) => (
          <MetricChart
            key={c.id}
            testId={`chart-${c.id}`}
            title={c.title}
            yLabel={c.yLabel}
            rightLabel={c.rightLabel}
            domain={c.domain}
            emptyText={metrics.isPending ? 'Loading…' : c.emptyText}
            lines={chartLines(c.metrics, runs)}
          />
        ))}
        <aside className={styles.chartNotes}>
          <strong>How the derived curves are computed</strong>
          <p>
            Held-out accuracy: labels a checkpoint had not trained on (ids above its label watermark), strict preferences only,
            ranked by its learned segment return. Correlation: Pearson r of learned and true returns of the run&apos;s labeled clips.
            Labels per hour: labels answered between consecutive checkpoints. Learned return: the policy under its own learned reward (tabular: exact; neural: the trainer&apos;s
            evaluation episodes). Neural runs: accuracy and correlation on the newest 100 labels and at most 20 checkpoints.
          </p>
          {notes.length > 0 && <ul className={styles.muted}>{notes.slice(0, 4).map((n) => <li key={n}>{n}</li>)}</ul>}
        </aside>
      </div>
      <div className={styles.lower}>
        <div>
          <CheckpointTable runId={runId} refetchInterval={refetchInterval} />
          <AgreementPanel runId={runId} refetchInterval={refetchInterval} />
          <CampaignPanel runId={runId} />
        </div>
        <ClipInspector runId={runId} refetchInterval={refetchInterval} />
      </div>
    </div>
  );
}
