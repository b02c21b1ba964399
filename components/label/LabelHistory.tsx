'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import type { Choice, Strength } from './labelKeys';

/** The choices a history row can be changed to ("slightly" only on runs with preference strength). */
function optionsFor(strength: boolean): Array<{ value: string; label: string }> {
  const plain = [
    { value: 'left', label: 'Left better' },
    { value: 'right', label: 'Right better' },
    { value: 'equal', label: 'Equal' },
    { value: 'cant_tell', label: "Can't tell" },
  ];
  if (!strength) return plain;
  return [
    { value: 'left', label: 'Left much better' },
    { value: 'left:slightly', label: 'Left slightly better' },
    { value: 'equal', label: 'Equal' },
    { value: 'right:slightly', label: 'Right slightly better' },
    { value: 'right', label: 'Right much better' },
    { value: 'cant_tell', label: "Can't tell" },
  ];
}

/** A stored label as the select's value: "slightly" shows as y 0.75 / 0.25. */
function valueOf(choice: Choice, y: number | null): string {
  if ((choice === 'left' && y === 0.75) || (choice === 'right' && y === 0.25)) return `${choice}:slightly`;
  return choice;
}

function parseValue(value: string): { choice: Choice; strength: Strength } {
  const [choice, strength] = value.split(':');
  return { choice: choice as Choice, strength: strength === 'slightly' ? 'slightly' : 'much' };
}

/** "My labels": your recent labels; change a choice while its run trains, or flag a broken clip. */
export function LabelHistory() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [beforeId, setBeforeId] = useState<number | undefined>(undefined);
  const history = useQuery(trpc.label.history.queryOptions(beforeId ? { beforeId } : undefined));
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.label.history.pathFilter());
  const edit = useMutation(trpc.label.edit.mutationOptions({ onSuccess: () => { setNotice('Choice changed.'); void refresh(); } }));
  const [flagging, setFlagging] = useState<number | null>(null);

  return (
    <div className="history">
      <section className="card wide">
        <h1>My labels</h1>
        <p className="muted">Your newest labels first. A choice can be changed while its run is still training; a broken clip can be flagged, which takes the pair out of training and exports.</p>
        {history.isPending && <p>Loading…</p>}
        {history.isError && <p className="form-error" role="alert">{errorMessage(history.error)}</p>}
        {edit.isError && <p className="form-error" role="alert">{errorMessage(edit.error)}</p>}
        {notice && <p className="notice" role="status">{notice}</p>}
        {history.data && history.data.rows.length === 0 && <p data-testid="history-empty">No labels yet.</p>}
        {history.data && history.data.rows.length > 0 && (
          <table>
            <thead><tr><th>When</th><th>Run</th><th>Pair</th><th>Choice</th><th>Broken clip?</th></tr></thead>
            <tbody>
              {history.data.rows.map((r) => (
                <tr key={r.labelId} data-testid={`history-row-${r.pairId}`}>
                  <td>{new Date(r.createdAt).toLocaleString()}</td>
                  <td>{r.runName}{r.runStatus !== 'active' && <span className={`badge badge-${r.runStatus}`}>{r.runStatus}</span>}</td>
                  <td>{r.pairId}</td>
                  <td>
                    <select
                      aria-label={`Choice for pair ${r.pairId}`}
                      value={valueOf(r.choice, r.y)}
                      disabled={!r.editable || edit.isPending}
                      title={r.editable ? undefined : 'The run no longer trains: this label is final'}
                      onChange={(e) => edit.mutate({ labelId: r.labelId, ...toEdit(e.target.value) })}
                    >
                      {optionsFor(r.preferenceStrength).map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                    </select>
                  </td>
                  <td>
                    {r.flag ? (
                      <span data-testid={`flagged-${r.pairId}`}>Flagged ({r.flag.side}): {r.flag.comment}</span>
                    ) : flagging === r.pairId ? (
                      <FlagForm pairId={r.pairId} onDone={(msg) => { setFlagging(null); setNotice(msg); void refresh(); }} onCancel={() => setFlagging(null)} />
                    ) : (
                      <button type="button" onClick={() => setFlagging(r.pairId)}>Flag a broken clip</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p>
          {beforeId !== undefined && <button type="button" onClick={() => setBeforeId(undefined)}>Newest</button>}
          {history.data?.nextBeforeId && <button type="button" onClick={() => setBeforeId(history.data.nextBeforeId ?? undefined)}>Older</button>}
        </p>
      </section>
    </div>
  );
}

function toEdit(value: string): { choice: Choice; strength?: 'slightly' } {
  const { choice, strength } = parseValue(value);
  return strength === 'slightly' ? { choice, strength } : { choice };
}

function FlagForm({ pairId, onDone, onCancel }: { pairId: number; onDone: (msg: string) => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const flag = useMutation(trpc.label.flag.mutationOptions());
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const side = String(f.get('side')) as 'left' | 'right' | 'both';
    flag.mutate({ pairId, side, comment: String(f.get('comment') ?? '') }, { onSuccess: () => onDone(`Pair ${pairId} flagged; it leaves training and exports.`) });
  }
  return (
    <form className="inline flag-form" onSubmit={onSubmit} aria-label={`Flag pair ${pairId}`}>
      <select name="side" aria-label="Which clip" defaultValue="both">
        <option value="left">Left clip</option>
        <option value="right">Right clip</option>
        <option value="both">Both clips</option>
      </select>
      <input name="comment" required maxLength={500} placeholder="What is wrong? (at most 500 characters)" aria-label="What is wrong" />
      <button type="submit" disabled={flag.isPending}>Flag</button>
      <button type="button" onClick={onCancel}>Cancel</button>
      {flag.isError && <span className="form-error" role="alert">{errorMessage(flag.error)}</span>}
    </form>
  );
}
