'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';

/** Minimal for now (issue 3): every run with its queue and label counts; curves come later. */
export function RunsTable() {
  const trpc = useTRPC();
  const runs = useQuery(trpc.runs.list.queryOptions(undefined, { refetchInterval: 15_000 }));
  if (runs.isPending) return <p>Loading runs…</p>;
  if (runs.isError) return <p className="form-error" role="alert">{errorMessage(runs.error)}</p>;
  return (
    <section className="card wide">
      <h1>Runs</h1>
      {runs.data.length === 0 ? (
        <p>No runs yet.</p>
      ) : (
        <table>
          <thead>
            <tr><th>Run</th><th>Env</th><th>Algorithm</th><th>Status</th><th>Iteration</th><th>Pairs pending / all</th><th>Labels</th><th></th></tr>
          </thead>
          <tbody>
            {runs.data.map((r) => (
              <tr key={r.id}>
                <td>{r.name}</td><td>{r.envId}</td><td>{r.algorithm}</td><td>{r.status}</td><td>{r.iteration}</td>
                <td>{r.pairsPending} / {r.pairCount}</td><td>{r.labelCount}</td>
                <td><Link href={`/label?run=${r.id}`}>Label this run</Link></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
