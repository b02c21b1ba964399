'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';

const CHOICE_OPTIONS = ['left', 'right', 'equal', 'cant_tell'] as const;
const FORMATS = [
  { value: 'jsonl', label: 'Download JSONL' },
  { value: 'csv', label: 'Download CSV' },
  { value: 'parquet', label: 'Download Parquet' },
] as const;

/**
 * The export filters as a plain GET form to /api/export: the browser downloads the streamed
 * file itself (Content-Disposition), so nothing is buffered in the page. Each button submits
 * its own `format`. Empty fields mean "any".
 */
export function ExportForm() {
  const trpc = useTRPC();
  const runs = useQuery(trpc.runs.list.queryOptions());
  const users = useQuery(trpc.admin.users.list.queryOptions());

  return (
    <section className="card wide">
      <h1>Export labels</h1>
      <p>
        One record per label (undone labels left out), with both clips. Schema and Python loading
        snippets: <a href="/docs/export-schema" target="_blank" rel="noreferrer">the export schema</a> (<code>docs/export-schema.md</code>).
      </p>
      {(runs.isError || users.isError) && (
        <p className="form-error" role="alert">{errorMessage(runs.error ?? users.error)}</p>
      )}
      <form className="stack" method="get" action="/api/export" aria-label="Export labels">
        <label>
          Run
          <select name="run" defaultValue="all">
            <option value="all">All runs</option>
            {runs.data?.map((r) => (
              <option key={r.id} value={String(r.id)}>{`#${r.id} ${r.name} (${r.envId}, ${r.labelCount} labels)`}</option>
            ))}
          </select>
        </label>
        <label>Answered from (UTC day, inclusive) <input name="from" type="date" /></label>
        <label>Answered to (UTC day, inclusive) <input name="to" type="date" /></label>
        <label>
          Annotator
          <select name="annotator" defaultValue="">
            <option value="">Any annotator</option>
            {users.data?.map((u) => (
              <option key={u.id} value={u.pseudonym}>{`${u.pseudonym} (${u.email})`}</option>
            ))}
          </select>
        </label>
        <label>
          Choice
          <select name="choice" defaultValue="">
            <option value="">Any choice</option>
            {CHOICE_OPTIONS.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        <label style={{ flexDirection: 'row', alignItems: 'center' }}>
          <input name="emails" type="checkbox" value="1" /> Annotators by email (default: pseudonym)
        </label>
        <label style={{ flexDirection: 'row', alignItems: 'center' }}>
          <input name="flagged" type="checkbox" value="1" /> Include pairs flagged as broken (left out by default)
        </label>
        <div style={{ display: 'flex', gap: 8 }}>
          {FORMATS.map((f) => (
            <button key={f.value} type="submit" name="format" value={f.value} className="primary">{f.label}</button>
          ))}
        </div>
      </form>
    </section>
  );
}
