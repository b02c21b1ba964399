'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';

/**
 * The run as a campaign: its name and description, who may label it (open to all or the assigned
 * annotators), its label target, practice round and preference strength; and the pairs
 * annotators flagged as broken (left out of the queue, training and exports).
 */
export function CampaignPanel({ runId }: { runId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const run = useQuery(trpc.runs.list.queryOptions(undefined, { select: (rows) => rows.find((r) => r.id === runId) }));
  const annotators = useQuery(trpc.runs.annotators.queryOptions({ runId }));
  const flags = useQuery(trpc.runs.flags.queryOptions({ runId }));
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => Promise.all([
    queryClient.invalidateQueries(trpc.runs.pathFilter()),
    queryClient.invalidateQueries(trpc.inspect.run.pathFilter()),
  ]);
  const update = useMutation(trpc.runs.updateCampaign.mutationOptions({ onSuccess: () => { setNotice('Campaign saved.'); void refresh(); } }));
  const assign = useMutation(trpc.runs.setAssignments.mutationOptions({ onSuccess: (r) => { setNotice(`${r.userIds.length} annotator(s) assigned.`); void refresh(); } }));

  if (!run.data) return null;
  const r = run.data;

  function onSave(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const target = String(f.get('labelTarget') ?? '').trim();
    update.mutate({
      runId,
      name: String(f.get('name') ?? ''),
      description: String(f.get('description') ?? ''),
      openToAll: f.get('openToAll') === 'on',
      labelTarget: target === '' ? null : Number(target),
      practicePairs: Number(f.get('practicePairs') ?? 0),
      preferenceStrength: f.get('preferenceStrength') === 'on',
    });
  }
  function onAssign(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    assign.mutate({ runId, userIds: f.getAll('assigned').map(Number) });
  }

  return (
    <section className="card wide" data-testid="campaign">
      <h2>Campaign</h2>
      <form className="stack" onSubmit={onSave} aria-label="Campaign settings" key={`${r.name}|${r.description}|${r.labelTarget}|${r.practicePairs}|${r.openToAll}|${r.preferenceStrength}`}>
        <label>Name <span className="muted">(at most 200 characters)</span> <input name="name" defaultValue={r.name} maxLength={200} required /></label>
        <label>Description <span className="muted">(at most 2000 characters)</span> <textarea name="description" defaultValue={r.description} maxLength={2000} rows={2} /></label>
        <label><input type="checkbox" name="openToAll" defaultChecked={r.openToAll} /> Open to every annotator (else only those assigned below)</label>
        <label>Label target <span className="muted">(1 to 1,000,000; empty: none)</span> <input name="labelTarget" type="number" min={1} max={1_000_000} defaultValue={r.labelTarget ?? ''} /></label>
        <label>Practice pairs before labels count <span className="muted">(0 to 20 gold pairs; 0: no practice round; pass at 80%)</span> <input name="practicePairs" type="number" min={0} max={20} defaultValue={r.practicePairs} /></label>
        <label><input type="checkbox" name="preferenceStrength" defaultChecked={r.preferenceStrength} /> Ask for preference strength (much / slightly better)</label>
        {update.isError && <p className="form-error" role="alert">{errorMessage(update.error)}</p>}
        <button type="submit" className="primary" disabled={update.isPending}>Save campaign</button>
      </form>

      <form onSubmit={onAssign} aria-label="Assigned annotators">
        <h3>Assigned annotators {r.openToAll && <span className="muted">(the run is open to all: this list applies once it is not)</span>}</h3>
        {annotators.data?.length === 0 && <p className="muted">No annotator accounts yet.</p>}
        <ul className="assign-list">
          {annotators.data?.map((a) => (
            <li key={`${a.id}-${a.assigned}`}>
              <label><input type="checkbox" name="assigned" value={a.id} defaultChecked={a.assigned} /> {a.name} ({a.email}){a.disabled ? ' — disabled' : ''}</label>
            </li>
          ))}
        </ul>
        {assign.isError && <p className="form-error" role="alert">{errorMessage(assign.error)}</p>}
        <button type="submit" disabled={assign.isPending}>Save assignments</button>
      </form>
      {notice && <p className="notice" role="status">{notice}</p>}

      <h3>Flagged pairs <span className="muted">(left out of the queue, training and exports; add flagged=1 to an export to include them)</span></h3>
      {flags.data?.length === 0 && <p className="muted" data-testid="no-flags">None.</p>}
      {flags.data && flags.data.length > 0 && (
        <table data-testid="flags">
          <thead><tr><th>Pair</th><th>Clip</th><th>Comment</th><th>When</th></tr></thead>
          <tbody>{flags.data.map((f) => <tr key={`${f.pairId}-${f.userId}`}><td>{f.pairId}</td><td>{f.side}</td><td>{f.comment}</td><td>{new Date(f.createdAt).toLocaleString()}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}
