'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { PairView } from '@/components/player/PairView';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import { CHOICE_KEYS, HOTKEYS, type Choice } from './labelKeys';

const ANSWER_TEXT: Record<string, string> = { left: 'the left clip is better', right: 'the right clip is better', equal: 'both are equally good' };
const PRACTICE_CHOICES: Choice[] = ['left', 'right', 'equal', 'cant_tell'];

/**
 * A run's onboarding: what to judge, example pairs with their correct answers, the keys, and
 * (when the run asks for it) a practice round scored against gold before real labels count.
 */
export function Onboarding({ runId }: { runId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const info = useQuery(trpc.label.onboarding.queryOptions({ runId }));
  const [example, setExample] = useState(0);
  const [step, setStep] = useState(0);
  const [answers, setAnswers] = useState<Array<{ pairId: number; choice: Choice }>>([]);
  const practice = useMutation(trpc.label.practice.mutationOptions({
    onSuccess: () => queryClient.invalidateQueries(trpc.label.pathFilter()),
  }));

  if (info.isPending) return <p>Loading the instructions…</p>;
  if (info.isError) return <p className="form-error" role="alert">{errorMessage(info.error)}</p>;
  const o = info.data;
  const shown = o.examples[example];
  const practising = o.practice[step];

  function answer(choice: Choice) {
    if (!practising) return;
    const next = [...answers, { pairId: practising.pairId, choice }];
    setAnswers(next);
    setStep(step + 1);
    if (next.length === o.practice.length) practice.mutate({ runId, answers: next });
  }
  function retry() {
    setAnswers([]);
    setStep(0);
    practice.reset();
  }

  return (
    <div className="onboarding">
      <section className="card wide">
        <h1>{o.runName}: how to label</h1>
        <p className="instructions" data-testid="onboarding-instructions">{o.instructions}</p>
        {o.description && <p>{o.description}</p>}
        <p>Two clips play side by side. Say which one is better by the instructions above, or that they are equal, or that you cannot tell.</p>
        <details>
          <summary>Keys</summary>
          <ul className="key-list">{HOTKEYS.map((h) => <li key={h.keys}><kbd>{h.keys}</kbd> {h.what}</li>)}</ul>
        </details>
      </section>

      {shown && (
        <section className="card wide" data-testid="examples">
          <h2>Example {example + 1} of {o.examples.length}</h2>
          <p className="example-answer" data-testid="example-answer">Correct answer: <strong>{ANSWER_TEXT[shown.answer]}</strong></p>
          <PairView key={shown.pairId} left={shown.left} right={shown.right} active />
          {o.examples.length > 1 && (
            <p><button type="button" onClick={() => setExample((example + 1) % o.examples.length)}>Next example</button></p>
          )}
        </section>
      )}

      <section className="card wide" data-testid="practice">
        {practice.data ? (
          <>
            <h2 data-testid="practice-result">{practice.data.passed ? 'Passed' : 'Not passed yet'}: {practice.data.correct} of {practice.data.total} match the correct answers</h2>
            <ul>
              {practice.data.answers.map((a, i) => (
                <li key={a.pairId}>Pair {i + 1}: you said {CHOICE_KEYS[a.given].label.toLowerCase()}; correct: {ANSWER_TEXT[a.answer]} {a.correct ? '✓' : '✗'}</li>
              ))}
            </ul>
            {practice.data.passed
              ? <p><Link className="primary-link" href={`/label?run=${runId}`}>Start labeling</Link></p>
              : <p><button type="button" onClick={retry}>Try the practice round again</button> (you need {o.passNeeded} of {o.practice.length})</p>}
          </>
        ) : o.passed ? (
          <>
            <h2>{o.practice.length > 0 ? 'Practice passed' : 'Ready'}</h2>
            <p><Link className="primary-link" href={`/label?run=${runId}`}>Start labeling</Link></p>
          </>
        ) : o.practice.length === 0 ? (
          <p className="form-error">This run asks for a practice round but has no gold pairs for it yet; ask a researcher to mark some.</p>
        ) : practising ? (
          <>
            <h2 data-pair-id={practising.pairId} data-testid="practice-step">Practice {step + 1} of {o.practice.length}</h2>
            <p>Your labels on this run count once {o.passNeeded} of {o.practice.length} practice answers match the correct ones.</p>
            <PairView key={practising.pairId} left={practising.left} right={practising.right} active />
            <div className="choices" role="group" aria-label="Practice answer">
              {PRACTICE_CHOICES.map((c) => (
                <button key={c} type="button" className={`choice choice-${c}`} onClick={() => answer(c)}>{CHOICE_KEYS[c].label}</button>
              ))}
            </div>
          </>
        ) : (
          <p>{practice.isPending ? 'Scoring…' : practice.isError ? <span className="form-error" role="alert">{errorMessage(practice.error)}</span> : null}</p>
        )}
      </section>
    </div>
  );
}
