import { isRetryable } from '@/components/trpc/errorMessage';

/**
 * Sends a submit until the server answers: transport failures (offline, 5xx) are retried with
 * the same submission id, which the server treats idempotently, so a retry can never create a
 * second label. A 4xx answer (e.g. lease expired) is final and rethrown.
 */
export async function submitWithRetry<T>(
  send: () => Promise<T>,
  opts: { delaysMs?: readonly number[]; sleep?: (ms: number) => Promise<void>; onRetry?: (attempt: number, error: unknown) => void } = {},
): Promise<T> {
  const delays = opts.delaysMs ?? [300, 1000, 2000, 4000, 8000, 15000, 30000];
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      // Keep retrying at the longest delay: a label must not be lost to a long outage.
      const delay = delays[Math.min(attempt, delays.length - 1)] ?? 30000;
      opts.onRetry?.(attempt + 1, error);
      await sleep(delay);
    }
  }
}
