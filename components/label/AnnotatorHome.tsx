'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';

/** An annotator's home: the runs they may label, each with its task, progress and pairs waiting. */
export function AnnotatorHome() {
  const trpc = useTRPC();
  const runs = useQuery(trpc.label.myRuns.queryOptions(undefined, { refetchInterval: 15_000 }));
  return (
    <div className="annotator-home">
      <div className="home-head">
        <h1>Your labeling runs</h1>
        <Link href="/label/history">My labels</Link>
      </div>
      {runs.isPending && <p>Loading your runs…</p>}
      {runs.isError && <p className="form-error" role="alert">{errorMessage(runs.error)}</p>}
      {runs.data && runs.data.length === 0 && (
        <p className="card" data-testid="no-runs">No run is assigned to you yet. An admin or researcher assigns runs; this page updates by itself.</p>
      )}
      <ul className="run-cards">
        {runs.data?.map((r) => {
          const share = r.labelTarget ? Math.min(1, r.runLabels / r.labelTarget) : null;
          const href = r.practiceRequired ? `/label/onboarding?run=${r.id}` : `/label?run=${r.id}`;
          return (
            <li key={r.id} className="card run-card" data-testid={`my-run-${r.id}`}>
              <h2>{r.name} {r.status !== 'active' && <span className={`badge badge-${r.status}`}>{r.status}</span>}</h2>
              <p className="task">{r.instructions}</p>
              {r.description && <p className="muted">{r.description}</p>}
              <p>
                My labels: <strong>{r.mine}</strong>
                {share !== null && <> · run <strong>{r.runLabels} / {r.labelTarget}</strong> <progress max={r.labelTarget!} value={Math.min(r.runLabels, r.labelTarget!)} aria-label={`Progress of ${r.name}`} /></>}
                {' '}· pairs waiting for me: <strong>{r.pairsWaiting}</strong>
              </p>
              <p className="run-card-actions">
                <Link className="primary-link" href={href}>{r.practiceRequired ? 'Start with the practice round' : 'Label this run'}</Link>
                <Link href={`/label/onboarding?run=${r.id}`}>Instructions and examples</Link>
              </p>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
