'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { PairView, type PairViewHandle } from '@/components/player/PairView';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { CHOICES } from '@/trainer/contracts/choices';
import { CHOICE_KEYS, labelKeyAction, type Choice, type Strength } from './labelKeys';
import { useLabelQueue } from './useLabelQueue';
import { useOnline } from './useOnline';
import { HotkeyOverlay } from './HotkeyOverlay';
import { RunHeader } from './RunHeader';
import { Toast } from './Toast';
import type { LabelStatus } from './types';
import { pairsWaitingText } from '@/server/pairsWaiting';

interface ChoiceButton {
  choice: Choice;
  strength: Strength;
  label: string;
  glyph: string;
}

const PLAIN_CHOICES: ChoiceButton[] = CHOICES.map((c) => ({
  choice: c, strength: 'much', label: CHOICE_KEYS[c].label, glyph: CHOICE_KEYS[c].glyph,
}));

/** With preference strength: much / slightly better on each side, equal, can't tell. */
const STRENGTH_CHOICES: ChoiceButton[] = [
  { choice: 'left', strength: 'much', label: 'Left much better', glyph: '←' },
  { choice: 'left', strength: 'slightly', label: 'Left slightly better', glyph: '⇧←' },
  { choice: 'equal', strength: 'much', label: 'Equal', glyph: '↑' },
  { choice: 'right', strength: 'slightly', label: 'Right slightly better', glyph: '⇧→' },
  { choice: 'right', strength: 'much', label: 'Right much better', glyph: '→' },
  { choice: 'cant_tell', strength: 'much', label: "Can't tell", glyph: '↓' },
];

export function recordedText(choice: Choice, strength: Strength): string {
  if (choice === 'left' || choice === 'right') return `${choice === 'left' ? 'Left' : 'Right'} ${strength === 'slightly' ? 'slightly' : ''} better`.replace('  ', ' ');
  return CHOICE_KEYS[choice].label;
}

/**
 * The labeling screen for one run: the run's header (name, progress, links), instructions, the
 * current pair (and the prefetched one, mounted hidden in the same place so its canvases are
 * drawn before it is needed), the choices and a status line. Everything works from the keyboard;
 * `?` lists the keys.
 */
export function LabelWorkspace({ runId }: { runId: number }) {
  const trpc = useTRPC();
  const queue = useLabelQueue(runId);
  const status = useQuery(trpc.label.status.queryOptions({ runId }, { refetchInterval: 15_000 }));
  const online = useOnline();
  const [helpOpen, setHelpOpen] = useState(false);
  const playerRef = useRef<PairViewHandle>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const swapStartedAt = useRef<number | null>(null);

  const st: LabelStatus | undefined = status.data;
  const runState = st?.runStatus ?? 'active';
  const blocked = runState !== 'active' || st?.practiceRequired === true;
  const strengthOn = st?.preferenceStrength === true;

  // Latest handlers for the one window listener, so it is added once.
  const actions = useRef({ choose: queue.choose, undo: queue.undo, blocked, strengthOn });
  actions.current = { choose: queue.choose, undo: queue.undo, blocked, strengthOn };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = labelKeyAction(e);
      if (!action) return;
      e.preventDefault(); // no page scroll on arrows/Space, no button "click" on Space
      switch (action.kind) {
        case 'choose': {
          if (actions.current.blocked) return;
          swapStartedAt.current = performance.now();
          actions.current.choose(action.choice, actions.current.strengthOn ? action.strength ?? 'much' : 'much');
          return;
        }
        case 'togglePlay': playerRef.current?.togglePlay(); return;
        case 'frame': playerRef.current?.stepFrame(action.delta); return;
        case 'speed': playerRef.current?.changeSpeed(action.delta); return;
        case 'help': setHelpOpen((open) => !open); return;
        case 'undo': actions.current.undo(); return;
      }
    };
    const onEscape = (e: KeyboardEvent) => { if (e.key === 'Escape') setHelpOpen(false); };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keydown', onEscape);
    return () => { window.removeEventListener('keydown', onKey); window.removeEventListener('keydown', onEscape); };
  }, []);

  // Time from a choice to the next pair painted: kept on the page for the e2e test and for
  // anyone checking the "under 100 ms" promise in devtools.
  const currentId = queue.current?.pair.id;
  useLayoutEffect(() => {
    const started = swapStartedAt.current;
    if (started === null || currentId === undefined) return;
    swapStartedAt.current = null;
    requestAnimationFrame(() => {
      rootRef.current?.setAttribute('data-last-swap-ms', (performance.now() - started).toFixed(1));
    });
  }, [currentId]);

  const pair = blocked ? undefined : queue.current?.pair;
  const stacked = blocked ? [] : [queue.current?.pair, queue.next].filter((p): p is NonNullable<typeof p> => Boolean(p));
  const buttons = strengthOn ? STRENGTH_CHOICES : PLAIN_CHOICES;
  const unsaved = queue.savingCount;

  return (
    <div className="label-page" ref={rootRef} data-pair-id={pair?.id ?? ''}>
      <RunHeader runId={runId} status={st} />
      <div className="status-line" aria-live="polite">
        <span>Labeled by me today (this run): <strong data-testid="labeled-today">{st?.labeledToday ?? '…'}</strong></span>
        <span>Pairs waiting: <strong data-testid="pairs-waiting">{st ? pairsWaitingText(st.pairsWaiting) : '…'}</strong></span>
        {unsaved > 0 && (!online || queue.retryingCount > 0) ? (
          <span className="warn" data-testid="unsaved" role="alert">
            {online ? 'The server is not answering' : 'You are offline'}: {unsaved} label{unsaved === 1 ? '' : 's'} not saved yet, retrying. Keep this page open.
          </span>
        ) : unsaved > 0 ? <span className="saving">Saving {unsaved}…</span> : null}
        {queue.error && queue.phase === 'labeling' && <span className="warn">{queue.error}</span>}
        <button type="button" className="link-button" onMouseDown={(e) => e.preventDefault()} onClick={() => setHelpOpen(true)}>Keys <kbd>?</kbd></button>
      </div>

      {pair ? <p className="instructions" data-testid="instructions">{pair.instructions}</p> : null}

      <div className="pair-stack">
        {stacked.map((p, i) => (
          <div key={p.id} className={i === 0 ? 'pair-slot' : 'pair-slot prefetched'} aria-hidden={i !== 0} data-slot={i === 0 ? 'current' : 'next'}>
            <PairView left={p.left} right={p.right} active={i === 0} handleRef={i === 0 ? playerRef : undefined} />
          </div>
        ))}
        {!pair && <QueueMessage runId={runId} status={st} phase={queue.phase} error={queue.error} onRetry={queue.retryNow} />}
        {queue.recorded && <RecordedFlash key={queue.recorded.id} text={recordedText(queue.recorded.choice, queue.recorded.strength)} />}
        {queue.queued && <div className="recorded-flash queued" data-testid="queued">Queued: {recordedText(queue.queued, 'much')} (the pair just appeared)</div>}
      </div>

      <div className="choices" role="group" aria-label="Your choice">
        {buttons.map((b) => (
          <button
            key={`${b.choice}-${b.strength}`}
            type="button"
            className={`choice choice-${b.choice}`}
            disabled={!pair}
            onMouseDown={(e) => e.preventDefault() /* keep focus on the page for the keys */}
            onClick={() => { swapStartedAt.current = performance.now(); queue.choose(b.choice, b.strength); }}
          >
            {b.label} <kbd>{b.glyph}</kbd>
          </button>
        ))}
        <span className="undo-hint"><kbd>Z</kbd> undo (30 s)</span>
      </div>
      {helpOpen && <HotkeyOverlay onClose={() => setHelpOpen(false)} />}
      <Toast toast={queue.toast} />
    </div>
  );
}

/** "Recorded: Left better", shown briefly over the new pair (remounted per choice by its key). */
function RecordedFlash({ text }: { text: string }) {
  const [visible, setVisible] = useState(true);
  useEffect(() => {
    const timer = setTimeout(() => setVisible(false), 1500);
    return () => clearTimeout(timer);
  }, []);
  if (!visible) return null;
  return <div className="recorded-flash" data-testid="recorded" role="status">Recorded: {text}</div>;
}

function QueueMessage({ runId, status, phase, error, onRetry }: { runId: number; status: LabelStatus | undefined; phase: string; error: string | null; onRetry: () => void }) {
  if (status?.runStatus === 'paused' || status?.runStatus === 'stopped') {
    return (
      <div className="queue-message run-held" role="status" data-testid="run-held">
        <p><strong>This run is {status.runStatus}.</strong></p>
        <p>{status.runStatus === 'paused'
          ? 'It takes no labels until a researcher resumes it; this page picks up again by itself.'
          : 'It takes no more labels.'}</p>
        <p><Link href="/label">Choose another run</Link></p>
      </div>
    );
  }
  if (status?.practiceRequired) {
    return (
      <div className="queue-message" role="status" data-testid="practice-required">
        <p><strong>This run starts with a practice round.</strong></p>
        <p>Your labels count once you pass it.</p>
        <p><Link className="primary-link" href={`/label/onboarding?run=${runId}`}>Read the instructions and practise</Link></p>
      </div>
    );
  }
  if (phase === 'error') {
    return (
      <div className="queue-message error" role="alert">
        <p>{error ?? 'Something went wrong while loading the next pair.'}</p>
        <p>Trying again every few seconds. <button type="button" onClick={onRetry}>Retry now</button></p>
        {error?.includes('sign in') && <p><a href={`/signin?callbackUrl=${encodeURIComponent(`/label?run=${runId}`)}`}>Sign in again</a></p>}
      </div>
    );
  }
  if (phase === 'empty') {
    return (
      <div className="queue-message" role="status" data-testid="queue-empty">
        <p><strong>No pairs waiting — checking again…</strong></p>
        <p>New pairs appear here by themselves as the trainer makes them.</p>
      </div>
    );
  }
  return <div className="queue-message" role="status">Loading the next pair…</div>;
}
