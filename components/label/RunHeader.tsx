'use client';

import Link from 'next/link';
import type { LabelStatus } from './types';

/**
 * Which run is being labeled, its state, and the campaign's progress: your labels, and the run's
 * labels against its target when it has one (a progress bar).
 */
export function RunHeader({ runId, status }: { runId: number; status: LabelStatus | undefined }) {
  const target = status?.labelTarget ?? null;
  const done = status?.runLabels ?? 0;
  const share = target ? Math.min(1, done / target) : null;
  return (
    <div className="run-header">
      <span>Run: <strong data-testid="run-name">{status?.runName ?? '—'}</strong></span>
      {status && status.runStatus !== 'active' && <span className={`badge badge-${status.runStatus}`} data-testid="run-state">{status.runStatus}</span>}
      <span data-testid="progress-mine">My labels here: <strong>{status?.mine ?? '…'}</strong></span>
      {share !== null && (
        <span className="progress" data-testid="progress-target">
          <progress max={target!} value={Math.min(done, target!)} aria-label="Run progress" /> {done} / {target} labels
        </span>
      )}
      <span className="run-links">
        <Link href={`/label/onboarding?run=${runId}`}>Instructions</Link>
        <Link href="/label/history">My labels</Link>
        <Link href="/label">All my runs</Link>
      </span>
    </div>
  );
}
