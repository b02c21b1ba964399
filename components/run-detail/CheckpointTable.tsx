'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import styles from './runDetail.module.css';

const kib = (bytes: number | null) => (bytes === null ? '—' : `${(bytes / 1024).toFixed(1)} KiB`);

/** The run's checkpoints, newest first, each blob a download (GET /api/checkpoints/ID?part=...). */
export function CheckpointTable({ runId, refetchInterval }: { runId: number; refetchInterval: number | false }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.inspect.checkpoints.queryOptions({ runId }, { refetchInterval }));
  return (
    <section className={styles.panel} aria-label="Checkpoints">
      <h2>Checkpoints</h2>
      {list.isError && <p className="form-error" role="alert">{errorMessage(list.error)}</p>}
      {list.data?.length === 0 && <p>No checkpoint yet.</p>}
      {list.data && list.data.length > 0 && (
        <div className={styles.scroll}>
          <table className={styles.table} data-testid="checkpoint-table">
            <thead>
              <tr><th>Iteration</th><th>Written</th><th>Labels used</th><th>Reward model</th><th>Policy</th></tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.id}>
                  <td>{c.iteration}</td>
                  <td title={`format v${c.formatVersion}, label watermark ${c.labelWatermark}`}>{new Date(c.createdAt).toLocaleTimeString()}</td>
                  <td>{c.labelsUsed}</td>
                  <td>
                    {c.rewardModelBytes === null ? '—' : (
                      <a href={`/api/checkpoints/${c.id}?part=reward_model`} download>x · {kib(c.rewardModelBytes)}</a>
                    )}
                  </td>
                  <td>
                    {c.policyBytes === null ? '—' : <a href={`/api/checkpoints/${c.id}?part=policy`} download>Q · {kib(c.policyBytes)}</a>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
