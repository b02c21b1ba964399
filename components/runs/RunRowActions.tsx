'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { RunStatus } from '@/db/schema';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import { ACTION_LABELS, allowedActions, type RunAction } from './runActions';
import styles from './runs.module.css';

/** Pause / resume / stop for one run; stop is final, so it asks first. */
export function RunRowActions({ runId, runName, status }: { runId: number; runName: string; status: RunStatus }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirmingStop, setConfirmingStop] = useState(false);
  const onSettled = () => queryClient.invalidateQueries(trpc.runs.list.pathFilter());
  const mutations = {
    pause: useMutation(trpc.runs.pause.mutationOptions({ onSettled })),
    resume: useMutation(trpc.runs.resume.mutationOptions({ onSettled })),
    stop: useMutation(trpc.runs.stop.mutationOptions({ onSettled })),
  } satisfies Record<RunAction, unknown>;
  const busy = Object.values(mutations).some((m) => m.isPending);
  const failed = Object.values(mutations).find((m) => m.isError);

  if (confirmingStop && status !== 'stopped') {
    return (
      <div className={styles.actions} role="group" aria-label={`Confirm stopping ${runName}`}>
        <span>Stop for good? A stopped run cannot be resumed.</span>
        <button
          type="button"
          className={styles.danger}
          disabled={busy}
          onClick={() => mutations.stop.mutate({ runId }, { onSettled: () => setConfirmingStop(false) })}
        >
          Yes, stop it
        </button>
        <button type="button" onClick={() => setConfirmingStop(false)}>Keep it</button>
      </div>
    );
  }

  const offered = allowedActions(status);
  return (
    <div className={styles.actions}>
      {offered.map((action) => (
        <button
          key={action}
          type="button"
          disabled={busy}
          aria-label={`${ACTION_LABELS[action]} ${runName}`}
          onClick={() => {
            for (const m of Object.values(mutations)) m.reset();
            if (action === 'stop') setConfirmingStop(true);
            else mutations[action].mutate({ runId });
          }}
        >
          {ACTION_LABELS[action]}
        </button>
      ))}
      {offered.length === 0 && <span className={styles.muted}>final</span>}
      {failed?.error && <span className="form-error" role="alert">{errorMessage(failed.error)}</span>}
    </div>
  );
}
