'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import styles from './runDetail.module.css';

const fixed = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? '—' : v.toFixed(digits));
const percent = (r: { rate: number | null; compared: number; agreed: number } | null) =>
  r === null || r.rate === null ? '—' : `${(100 * r.rate).toFixed(0)}% (${r.agreed}/${r.compared})`;

/**
 * Annotator agreement of the run (quality.agreement): Krippendorff's alpha over overlapping
 * pairs, Cohen's kappa when two annotators share pairs, and per annotator the agreement with the
 * others' majority and the median response time. "Can't tell" is no answer and is left out.
 */
export function AgreementPanel({ runId, refetchInterval }: { runId: number; refetchInterval: number | false }) {
  const trpc = useTRPC();
  const report = useQuery(trpc.quality.agreement.queryOptions({ runId }, { refetchInterval }));
  const flags = useQuery(trpc.runs.flags.queryOptions({ runId }, { refetchInterval }));
  const flagsBy = new Map<string, number>();
  for (const f of flags.data ?? []) flagsBy.set(f.annotator, (flagsBy.get(f.annotator) ?? 0) + 1);
  return (
    <section className={styles.panel} aria-label="Annotator agreement" data-testid="agreement-panel">
      <h2>Annotator agreement</h2>
      {report.isError && <p className="form-error" role="alert">{errorMessage(report.error)}</p>}
      {report.data && (
        <>
          <p>
            Krippendorff&apos;s α <strong data-testid="agreement-alpha">{fixed(report.data.alpha.alpha)}</strong> over{' '}
            {report.data.overlappingPairs} overlapping pairs
            {report.data.alpha.alpha === null && <span className={styles.muted}> (α needs pairs labeled by two or more annotators: set the run&apos;s overlap above 1)</span>}
            {report.data.kappa && <> · Cohen&apos;s κ <strong>{fixed(report.data.kappa.kappa)}</strong></>} ·{' '}
            {report.data.labels} labels by {report.data.annotators} annotators, {report.data.cantTellExcluded} &quot;can&apos;t tell&quot; left out
          </p>
          {report.data.perAnnotator.length > 0 && (
            <div className={styles.scroll}>
              <table className={styles.table}>
                <thead>
                  <tr><th>Annotator</th><th>Labels</th><th>Can&apos;t tell</th><th>With majority</th><th>With gold</th><th>Median time</th><th>Flags</th></tr>
                </thead>
                <tbody>
                  {report.data.perAnnotator.map((a) => (
                    <tr key={a.annotator}>
                      <td>{a.annotator}</td>
                      <td>{a.labels}</td>
                      <td>{a.cantTell}</td>
                      <td>{percent(a.withMajority)}</td>
                      <td>{percent(a.withGold)}</td>
                      <td>{a.medianResponseMs === null ? '—' : `${(a.medianResponseMs / 1000).toFixed(1)} s`}</td>
                      <td>{flagsBy.get(a.annotator) ?? 0}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
