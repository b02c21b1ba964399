'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTRPC, useTRPCClient } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import type { Choice, Strength } from './labelKeys';
import { submitWithRetry } from './submitWithRetry';
import type { LeasedPair } from './types';

export const UNDO_WINDOW_MS = 30_000;
export const EMPTY_POLL_MS = 5_000;
const LEASE_CHECK_MS = 30_000;
/**
 * A choice this soon after a pair appears is held back until the pair has been on screen this
 * long, and then applied to it (the page shows it as queued): a press is never silently dropped.
 */
export const MIN_VIEW_MS = 120;
const LEASE_RENEW_BEFORE_MS = 90_000;

export interface ShownPair {
  pair: LeasedPair;
  /** When it became visible (ms since epoch), sent as shown_at. */
  shownAt: number;
}

interface LastLabel {
  pairId: number;
  answeredAt: number;
  saved: Promise<{ labelId: number } | null>;
}

export type QueuePhase = 'loading' | 'labeling' | 'empty' | 'error';

export interface LabelQueue {
  phase: QueuePhase;
  current: ShownPair | null;
  /** The prefetched pair, already leased and mounted (hidden) so it shows at once. */
  next: LeasedPair | null;
  error: string | null;
  savingCount: number;
  /** Unsaved labels whose submit failed at least once and is being retried (offline, server down). */
  retryingCount: number;
  /** The last choice recorded on this page, for the confirmation flash. */
  recorded: { id: number; choice: Choice; strength: Strength } | null;
  /** A press that came too early, waiting for the pair's minimum view time. */
  queued: Choice | null;
  toast: { id: number; text: string } | null;
  choose(choice: Choice, strength?: Strength): void;
  undo(): void;
  retryNow(): void;
}

/**
 * The labeling queue as the page sees it: a current pair, a prefetched next one, background
 * submits, one-step undo and self-polling when the queue is empty. Pair ids whose submit is
 * still in flight are excluded from `label.next`, so a slow submit never brings its pair back.
 */
export function useLabelQueue(runId: number | undefined): LabelQueue {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();

  const [current, setCurrent] = useState<ShownPair | null>(null);
  const [next, setNext] = useState<LeasedPair | null>(null);
  const [phase, setPhase] = useState<QueuePhase>('loading');
  const [error, setError] = useState<string | null>(null);
  const [savingCount, setSavingCount] = useState(0);
  const [retryingCount, setRetryingCount] = useState(0);
  const [recorded, setRecorded] = useState<LabelQueue['recorded']>(null);
  const [queued, setQueued] = useState<Choice | null>(null);
  const queuedTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [toast, setToast] = useState<{ id: number; text: string } | null>(null);

  // Refs mirror the state for async code that must see the latest values, not a closure's.
  const currentRef = useRef(current);
  const nextRef = useRef(next);
  currentRef.current = current;
  nextRef.current = next;
  const inFlight = useRef(new Set<number>());
  const lastLabel = useRef<LastLabel | null>(null);
  const fetching = useRef(false);
  const mounted = useRef(true);

  const say = useCallback((text: string) => setToast({ id: Date.now() + Math.random(), text }), []);

  const showStatus = useCallback(
    (status: unknown) => queryClient.setQueryData(trpc.label.status.queryKey(runId ? { runId } : undefined), status as never),
    [queryClient, trpc, runId],
  );

  const excluded = useCallback((...ids: Array<number | undefined>) => {
    const set = new Set(inFlight.current);
    for (const id of ids) if (id !== undefined) set.add(id);
    return [...set];
  }, []);

  /** Fills whichever slot is empty: the current pair first, then the prefetched one. */
  const fill = useCallback(async () => {
    if (fetching.current || !mounted.current) return;
    const cur = currentRef.current;
    if (cur && nextRef.current) return;
    fetching.current = true;
    let filledCurrent = false;
    try {
      const res = await client.label.next.mutate({
        runId,
        excludePairIds: excluded(cur?.pair.id, nextRef.current?.id),
      });
      if (!mounted.current) return;
      showStatus(res.status);
      setError(null);
      // The slots may have changed while waiting (a choice, an undo): fill what is empty now.
      if (!currentRef.current) {
        if (res.pair) {
          const shown = { pair: res.pair, shownAt: Date.now() };
          currentRef.current = shown;
          setCurrent(shown);
          setPhase('labeling');
          filledCurrent = true;
        } else {
          setPhase('empty');
        }
      } else if (!nextRef.current && res.pair && res.pair.id !== currentRef.current.pair.id) {
        nextRef.current = res.pair;
        setNext(res.pair);
      }
    } catch (e) {
      if (!mounted.current) return;
      setError(errorMessage(e));
      if (!currentRef.current) setPhase('error');
    } finally {
      fetching.current = false;
    }
    // A current pair just arrived: prefetch its successor straight away.
    if (filledCurrent && mounted.current) await fill();
  }, [client, runId, excluded, showStatus]);

  const fillNow = useCallback(() => void fill(), [fill]);

  useEffect(() => {
    mounted.current = true;
    fillNow();
    return () => { mounted.current = false; };
  }, [fillNow]);

  // Poll while something is missing: an empty queue, a missing prefetch, or an error.
  const needsPoll = phase !== 'labeling' || next === null;
  useEffect(() => {
    if (!needsPoll) return;
    const timer = setInterval(fillNow, EMPTY_POLL_MS);
    return () => clearInterval(timer);
  }, [needsPoll, fillNow]);

  // Leases last 5 minutes; someone who pauses on a pair keeps it by renewing shortly before
  // expiry (label.next returns the caller's own live lease first, with a fresh expiry).
  useEffect(() => {
    const timer = setInterval(() => {
      const now = Date.now();
      const held = [currentRef.current?.pair, nextRef.current].filter((p): p is LeasedPair => Boolean(p));
      for (const pair of held) {
        if (pair.leaseExpiresAt - now > LEASE_RENEW_BEFORE_MS) continue;
        const others = held.filter((p) => p.id !== pair.id).map((p) => p.id);
        void client.label.next.mutate({ runId, excludePairIds: excluded(...others) })
          .then((res) => { if (res.pair?.id === pair.id) pair.leaseExpiresAt = res.pair.leaseExpiresAt; })
          .catch(() => { /* the submit will say so if the lease is really gone */ });
      }
    }, LEASE_CHECK_MS);
    return () => clearInterval(timer);
  }, [client, runId, excluded]);

  const submit = useCallback((pairId: number, choice: Choice, strength: Strength, shownAt: number, answeredAt: number) => {
    const submissionId = crypto.randomUUID();
    inFlight.current.add(pairId);
    setSavingCount((n) => n + 1);
    let retrying = false;
    const saved = submitWithRetry(
      () => client.label.submit.mutate({ submissionId, pairId, choice, strength: strength === 'slightly' ? 'slightly' : undefined, shownAt, answeredAt }),
      { onRetry: () => { if (!retrying) { retrying = true; setRetryingCount((n) => n + 1); } } },
    )
      .then((res) => {
        void queryClient.invalidateQueries(trpc.label.status.pathFilter());
        return { labelId: res.labelId };
      })
      .catch((e: unknown) => {
        say(`Label for pair ${pairId} was not saved: ${errorMessage(e)}`);
        // A refusal often means the run changed (paused, stopped): show its state now.
        void queryClient.invalidateQueries(trpc.label.status.pathFilter());
        return null;
      })
      .finally(() => {
        inFlight.current.delete(pairId);
        setSavingCount((n) => n - 1);
        if (retrying) setRetryingCount((n) => n - 1);
      });
    lastLabel.current = { pairId, answeredAt, saved };
  }, [client, queryClient, trpc, say]);

  const choose = useCallback(function choose(choice: Choice, strength: Strength = 'much') {
    const cur = currentRef.current;
    if (!cur) return;
    const answeredAt = Date.now();
    const early = MIN_VIEW_MS - (answeredAt - cur.shownAt);
    if (early > 0) {
      // Too soon after the pair appeared: hold the press and apply it to THIS pair when the
      // pair has been seen long enough (a later press replaces it), visibly.
      if (queuedTimer.current) clearTimeout(queuedTimer.current);
      setQueued(choice);
      queuedTimer.current = setTimeout(() => {
        queuedTimer.current = null;
        setQueued(null);
        if (currentRef.current?.pair.id === cur.pair.id) choose(choice, strength);
      }, early);
      return;
    }
    submit(cur.pair.id, choice, strength, cur.shownAt, answeredAt);
    setRecorded({ id: answeredAt + Math.random(), choice, strength });
    const upcoming = nextRef.current;
    const shown = upcoming ? { pair: upcoming, shownAt: Date.now() } : null;
    currentRef.current = shown;
    nextRef.current = null;
    setCurrent(shown);
    setNext(null);
    if (!shown) setPhase('loading');
    fillNow();
  }, [submit, fillNow]);

  const undo = useCallback(() => {
    const last = lastLabel.current;
    if (!last) { say('Nothing to undo'); return; }
    if (Date.now() - last.answeredAt > UNDO_WINDOW_MS) { say('Too late to undo'); return; }
    lastLabel.current = null;
    void (async () => {
      const saved = await last.saved;
      if (!saved) { say('That label was not saved, so there is nothing to undo'); return; }
      try {
        const res = await client.label.undo.mutate({ labelId: saved.labelId });
        if (!mounted.current) return;
        // The undone pair comes back in front; the pair on screen becomes the prefetched one.
        const displaced = currentRef.current?.pair ?? null;
        const shown = { pair: res.pair, shownAt: Date.now() };
        currentRef.current = shown;
        nextRef.current = displaced && displaced.id !== res.pair.id ? displaced : null;
        setCurrent(shown);
        setNext(nextRef.current);
        setPhase('labeling');
        say('Undone');
        void queryClient.invalidateQueries(trpc.label.status.pathFilter());
        if (!nextRef.current) fillNow();
      } catch (e) {
        const code = (e as { data?: { code?: string } }).data?.code;
        say(code === 'BAD_REQUEST' || code === 'CONFLICT' ? 'Too late to undo' : `Undo failed: ${errorMessage(e)}`);
      }
    })();
  }, [client, queryClient, trpc, say, fillNow]);

  // Leaving with unsaved labels loses them: ask first.
  useEffect(() => {
    if (savingCount === 0) return;
    const warn = (e: BeforeUnloadEvent) => { e.preventDefault(); };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [savingCount]);

  useEffect(() => () => { if (queuedTimer.current) clearTimeout(queuedTimer.current); }, []);

  return { phase, current, next, error, savingCount, retryingCount, recorded, queued, toast, choose, undo, retryNow: fillNow };
}
