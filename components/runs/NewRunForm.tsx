'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import {
  algorithmsFor, CREATE_DEFAULTS, defaultPairSelection, ENV_OPTIONS, NUMBER_SETTINGS, PAIR_SELECTIONS, parseNewRunForm, QUERY_SELECTIONS, SETTINGS_DEFAULTS, settingsDefaultsFor, type FieldError,
} from './newRun';
import { RUN_LIMITS } from '@/trainer/contracts/run-budget';
import styles from './runs.module.css';

const n = (v: number) => v.toLocaleString('en-US');

const ALGORITHM_TITLES: Record<string, string> = {
  sobirl: 'SoBiRL',
  'm-sobirl': 'M-SoBiRL (tabular only)',
  'stoc-sobirl': 'Stoc-SoBiRL',
  drlhf: 'DRLHF (baseline)',
  oracle: 'Oracle (true reward; for comparison)',
};

/** The server's refusal in words: its per-field messages when it sent them, else its message. */
function serverErrorText(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const zodError = (error.data as { zodError?: { fieldErrors?: Record<string, string[] | undefined> } | null } | undefined)?.zodError;
    const fields = Object.entries(zodError?.fieldErrors ?? {}).filter(([, messages]) => messages && messages.length > 0);
    if (fields.length > 0) return fields.map(([field, messages]) => `${field}: ${messages!.join('; ')}`).join(' · ');
  }
  return errorMessage(error);
}

/** A labelled input with its default beside the label, and its error (if any) under it. */
function Field({ name, label, hint, errors, children }: { name: string; label: string; hint?: string; errors: Map<string, string>; children: ReactNode }) {
  const error = errors.get(name);
  return (
    <label className={styles.field}>
      <span>{label}{hint && <span className={styles.muted}> {hint}</span>}</span>
      {children}
      {error && <span className="form-error" id={`${name}-error`}>{error}</span>}
    </label>
  );
}

/** "New run": env, algorithm, hyper-parameters (defaults shown), instructions, overlap, label batch, query selection. */
export function NewRunForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [envId, setEnvId] = useState('grid5');
  const [algorithm, setAlgorithm] = useState<string>(CREATE_DEFAULTS.algorithm);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const create = useMutation(trpc.runs.create.mutationOptions({
    onSuccess: () => queryClient.invalidateQueries(trpc.runs.list.pathFilter()),
  }));

  const algorithms = algorithmsFor(envId);
  const envOption = ENV_OPTIONS.find((e) => e.id === envId);
  const progress = envOption?.progress ?? null;
  // gamma, tau and clip length are per environment: the inputs below remount (key) with the new defaults.
  const envDefaults = settingsDefaultsFor(envId);
  const errorByField = new Map(errors.map((e) => [e.field, e.message]));
  const defaultsHint = (value: unknown) => `(default ${String(value)})`;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formEl = e.currentTarget;
    const values: Record<string, string> = {};
    for (const [key, value] of new FormData(formEl)) if (typeof value === 'string') values[key] = value;
    const parsed = parseNewRunForm(values);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setErrors([]);
    setNotice(null);
    create.mutate(parsed.input, {
      onSuccess: (run) => {
        setNotice(`Created run #${run.id} (${parsed.input.envId}, ${parsed.input.algorithm}). The trainer queues its first pairs within seconds.`);
        formEl.reset();
        setEnvId('grid5');
        setAlgorithm(CREATE_DEFAULTS.algorithm);
        setOpen(false);
      },
    });
  }

  return (
    <section className="card wide">
      <div className={styles.heading}>
        <h1>New run</h1>
        {!open && <button type="button" className="primary" onClick={() => { setOpen(true); setNotice(null); }}>New run</button>}
      </div>
      {notice && <p className="notice" role="status">{notice}</p>}
      {open && (
        <form onSubmit={onSubmit} noValidate aria-label="Create a run">
          <div className={styles.grid}>
            <Field name="name" label="Name" errors={errorByField}>
              <input name="name" required maxLength={200} placeholder="grid5 · SoBiRL · tau 0.1" />
            </Field>
            <Field name="envId" label="Environment" errors={errorByField}>
              <select
                name="envId"
                value={envId}
                onChange={(e) => {
                  setEnvId(e.target.value);
                  if (!algorithmsFor(e.target.value).includes(algorithm as never)) setAlgorithm(CREATE_DEFAULTS.algorithm);
                }}
              >
                {ENV_OPTIONS.map((env) => <option key={env.id} value={env.id}>{env.id} — {env.title}{env.tabular ? ' (tabular)' : env.continuous ? ' (continuous)' : ''}</option>)}
              </select>
            </Field>
            <Field name="algorithm" label="Algorithm" errors={errorByField}>
              <select name="algorithm" value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
                {algorithms.map((a) => <option key={a} value={a}>{ALGORITHM_TITLES[a] ?? a}</option>)}
              </select>
            </Field>
            <Field name="labelsWanted" label="Overlap (labels wanted per pair)" hint={defaultsHint(CREATE_DEFAULTS.labelsWanted)} errors={errorByField}>
              <input name="labelsWanted" type="number" min={1} max={10} step={1} defaultValue={CREATE_DEFAULTS.labelsWanted} />
            </Field>
            <Field name="labelBatchSize" label="Label batch size" hint={defaultsHint(CREATE_DEFAULTS.labelBatchSize)} errors={errorByField}>
              <input name="labelBatchSize" type="number" min={1} max={1024} step={1} defaultValue={CREATE_DEFAULTS.labelBatchSize} />
            </Field>
            <Field name="simulateJudgement" label="Simulated teachers" hint="(default none: people label)" errors={errorByField}>
              <select key={`${envId}-simulate`} name="simulateJudgement" defaultValue="">
                <option value="">none: people label</option>
                <option value="true-reward">scripted, judging by the true reward</option>
                {progress && <option value="scripted">scripted, judging by the true reward and the {progress.split(':')[0]}</option>}
              </select>
            </Field>
            <Field name="querySelection" label="Query selection" hint={defaultsHint(SETTINGS_DEFAULTS.querySelection)} errors={errorByField}>
              <select name="querySelection" defaultValue={SETTINGS_DEFAULTS.querySelection}>
                {QUERY_SELECTIONS.map((q) => <option key={q} value={q}>{q}</option>)}
              </select>
            </Field>
            {envOption?.continuous && (
              <Field name="pairSelection" label="Pair selection (continuous)" hint={defaultsHint(defaultPairSelection(envId))} errors={errorByField}>
                <select key={`${envId}-pairSelection`} name="pairSelection" defaultValue="">
                  <option value="">{defaultPairSelection(envId)} (this environment&apos;s default)</option>
                  {PAIR_SELECTIONS.map((q) => <option key={q} value={q}>{q}{q === 'disagreement' ? ': the reward ensemble\'s spread' : ''}</option>)}
                </select>
              </Field>
            )}
          </div>
          <Field name="instructions" label="Instructions for annotators (shown above the clips)" errors={errorByField}>
            <textarea name="instructions" rows={2} maxLength={2000} placeholder="Which clip reaches the green corner sooner and stays there?" />
          </Field>

          <fieldset className={styles.fieldset}>
            <legend>Hyper-parameters (blank = default)</legend>
            <p className={styles.muted} data-testid="run-limits">
              Limits (what one trainer can hold for a run): pending pairs × label batch ≤ {n(RUN_LIMITS.pendingPairs)} pairs;
              pending pairs × candidates per pair × 2 × clip length ≤ {n(RUN_LIMITS.candidateSteps)} env steps;
              label batch × 2 × clip length ≤ {n(RUN_LIMITS.labelBatchSteps)} env steps;
              neural replay ≤ {n(RUN_LIMITS.replayBytes / 2 ** 20)} MiB.
            </p>
            <div className={styles.grid}>
              {NUMBER_SETTINGS.map((s) => (
                <Field key={`${envId}-${s.key}`} name={s.key} label={s.label} hint={defaultsHint(envDefaults[s.key])} errors={errorByField}>
                  <input name={s.key} type="number" step={s.step} defaultValue={envDefaults[s.key]} />
                </Field>
              ))}
              <Field name="features" label="Reward features (tabular)" hint={defaultsHint(SETTINGS_DEFAULTS.features)} errors={errorByField}>
                <select name="features" defaultValue={SETTINGS_DEFAULTS.features}>
                  <option value="state">state</option>
                  <option value="state-action">state-action</option>
                </select>
              </Field>
              <Field name="start" label="Clip start (tabular)" hint="(default uniform; far, or a state index)" errors={errorByField}>
                <input name="start" type="text" maxLength={20} defaultValue={SETTINGS_DEFAULTS.start} />
              </Field>
              <label className={styles.checkbox}>
                <input name="retireStalePairs" type="checkbox" defaultChecked={SETTINGS_DEFAULTS.retireStalePairs} />
                Retire unlabeled pairs of older checkpoints
              </label>
            </div>
            <Field name="algorithmOverrides" label="Algorithm overrides (JSON)" hint='(default {}; e.g. {"upperSteps": 20})' errors={errorByField}>
              <input name="algorithmOverrides" placeholder="{}" />
            </Field>
          </fieldset>

          {errors.length > 0 && (
            <div className="form-error" role="alert">
              <p>Please fix {errors.length === 1 ? 'this' : `these ${errors.length}`} before creating the run:</p>
              <ul>{errors.map((e) => <li key={e.field + e.message}>{e.message}</li>)}</ul>
            </div>
          )}
          {create.isError && <p className="form-error" role="alert">{serverErrorText(create.error)}</p>}
          <div className={styles.actions}>
            <button type="submit" className="primary" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create run'}</button>
            <button type="button" onClick={() => { setOpen(false); setErrors([]); create.reset(); }}>Cancel</button>
          </div>
        </form>
      )}
    </section>
  );
}
