'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import { RunRowActions } from './RunRowActions';
import { timeAgo } from './timeAgo';
import { trainerHealthText, trainerLine } from './trainerHealth';
import styles from './runs.module.css';

/** How often the table asks again: the trainer advances a grid5 run in about a second. */
const REFRESH_MS = 3_000;

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** Every run with its progress, refreshing by itself, and the controls to pause, resume or stop it. */
export function RunsTable() {
  const trpc = useTRPC();
  const runs = useQuery(trpc.runs.list.queryOptions(undefined, { refetchInterval: REFRESH_MS }));
  const now = useNow(REFRESH_MS);
  return (
    <section className="card wide">
      <h1>Runs</h1>
      {runs.data && runs.data[0] && (
        <p data-testid="trainer-health" data-state={runs.data[0].trainer.state} className={runs.data[0].trainer.state === 'healthy' ? styles.muted : styles.error}
          title={runs.data[0].trainer.trainers.map(trainerLine).join('\n') || undefined}>
          {trainerHealthText(runs.data[0].trainer, now)}
        </p>
      )}
      {runs.isPending && <p>Loading runs…</p>}
      {runs.isError && <p className="form-error" role="alert">{errorMessage(runs.error)}</p>}
      {runs.data && runs.data.length === 0 && <p>No runs yet. Create one below.</p>}
      {runs.data && runs.data.length > 0 && (
        <table className={styles.table}>
          <thead>
            <tr>
              <th>Run</th><th>Env</th><th>Algorithm</th><th>Status</th><th>Labels</th><th>Iteration</th>
              <th>Pairs pending / all</th><th>Last update</th><th>Last error</th><th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((r) => (
              <tr key={r.id} data-testid={`run-row-${r.id}`} data-status={r.status} data-iteration={r.iteration}>
                <td>
                  <div><Link href={`/runs/${r.id}`}>{r.name}</Link> <span className={styles.muted}>#{r.id}</span></div>
                  <Link href={`/label?run=${r.id}`}>Label this run</Link>
                </td>
                <td>{r.envId}</td>
                <td>{r.algorithm}</td>
                <td><span className={`${styles.status} ${styles[r.status] ?? ''}`}>{r.status}</span></td>
                <td title={`the trainer takes a step every ${r.labelBatchSize} new labels; each pair wants ${r.labelsWanted}`}>
                  {r.labelCount} <span className={styles.muted}>(batch {r.labelBatchSize})</span>
                </td>
                {/* The holder in the tooltip only: the cell's text is the iteration (tests and readers read it). */}
                <td data-testid="iteration" data-held-by={r.heldBy ?? undefined} title={r.heldBy ? `trained by ${r.heldBy}` : 'no trainer holds this run now'}>{r.iteration}</td>
                <td>{r.pairsPending} / {r.pairCount}</td>
                <td title={new Date(r.updatedAt).toLocaleString()}>{timeAgo(r.updatedAt, now)}</td>
                <td className={styles.error}>
                  {r.lastError ? (
                    <span title={r.lastErrorAt ? new Date(r.lastErrorAt).toLocaleString() : undefined}>{r.lastError}</span>
                  ) : (
                    <span className={styles.muted}>—</span>
                  )}
                </td>
                <td><RunRowActions runId={r.id} runName={r.name} status={r.status} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
