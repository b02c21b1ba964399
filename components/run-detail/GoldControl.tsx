'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import type { GoldChoice } from '@/db/schema';
import styles from './runDetail.module.css';

const GOLD_TEXT: Record<GoldChoice, string> = { left: 'left better', right: 'right better', equal: 'equal' };
// Type-only import of the schema: its values would pull drizzle into the browser bundle.
const GOLD_CHOICES = Object.keys(GOLD_TEXT) as GoldChoice[];

/**
 * The inspected pair's gold answer, and for admins the buttons that set or clear it (the server
 * refuses everyone else; `canSet` comes from the server, which knows the role).
 */
export function GoldControl({ pairId, choice, canSet }: { pairId: number; choice: GoldChoice | null; canSet: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const setGold = useMutation(
    trpc.quality.setGold.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries(trpc.inspect.pair.pathFilter()),
          queryClient.invalidateQueries(trpc.quality.agreement.pathFilter()),
        ]),
    }),
  );
  const status = choice === null ? 'Not a gold pair.' : `Gold pair: ${GOLD_TEXT[choice]}.`;
  if (!canSet) return <p className={styles.muted} data-testid="gold-status">{status}</p>;
  return (
    <div className={styles.pickers} role="group" aria-label="Gold answer">
      <span className={styles.inlineLabel} data-testid="gold-status">{status} Mark as gold:</span>
      {GOLD_CHOICES.map((c) => (
        <button key={c} type="button" aria-pressed={choice === c} disabled={setGold.isPending}
          onClick={() => setGold.mutate({ pairId, choice: c })}>{c}</button>
      ))}
      <button type="button" disabled={setGold.isPending || choice === null} onClick={() => setGold.mutate({ pairId, choice: null })}>clear</button>
      {setGold.isError && <span className="form-error" role="alert">{errorMessage(setGold.error)}</span>}
    </div>
  );
}
