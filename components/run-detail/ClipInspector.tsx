'use client';

import { skipToken, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ClipPlayer } from '@/components/player/ClipPlayer';
import { renderClip } from '@/components/player/renderClip';
import { advance, frameIndex, initialClock, seek, togglePlaying, type ClockState } from '@/components/player/playbackClock';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';
import { GoldControl } from './GoldControl';
import { RewardHeatmap } from './RewardHeatmap';
import { StepRewardChart } from './StepRewardChart';
import styles from './runDetail.module.css';

/** Labeled pairs per page of the picker. */
const PAGE = 30;

const CHOICE_TEXT: Record<string, string> = { left: 'left better', right: 'right better', equal: 'equal', cant_tell: "can't tell" };

/** One clock for both clips (as on the labeling page), driven by requestAnimationFrame. */
function useSharedClock(frameCount: number) {
  const [clock, setClock] = useState<ClockState>(() => initialClock(frameCount));
  const clockRef = useRef(clock);
  clockRef.current = clock;
  useEffect(() => setClock(initialClock(frameCount)), [frameCount]);
  useEffect(() => {
    if (!clock.playing) return;
    let last = performance.now();
    let raf = requestAnimationFrame(function tick(now) {
      const next = advance(clockRef.current, now - last);
      last = now;
      if (frameIndex(next) !== frameIndex(clockRef.current) || next.playing !== clockRef.current.playing) setClock(next);
      else clockRef.current = next;
      raf = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(raf);
  }, [clock.playing]);
  return [clock, setClock] as const;
}

/** Pick a labeled pair: its labels, both clips replayed with the learned reward per step, and the reward heat map. */
export function ClipInspector({ runId, refetchInterval }: { runId: number; refetchInterval: number | false }) {
  const trpc = useTRPC();
  const [page, setPage] = useState(0);
  const [search, setSearch] = useState('');
  const [searchNote, setSearchNote] = useState<string | null>(null);
  const recent = useQuery(trpc.inspect.pairs.queryOptions({ runId, limit: PAGE, offset: page * PAGE }, { refetchInterval }));
  const checkpoints = useQuery(trpc.inspect.checkpoints.queryOptions({ runId }, { refetchInterval }));
  const [picked, setPicked] = useState<number | null>(null);
  const [checkpointId, setCheckpointId] = useState<number | undefined>(undefined);
  // The first pair shown stays until someone picks another: a refresh must not jump to the newest.
  const firstShown = recent.data?.[0]?.pairId ?? null;
  useEffect(() => { if (picked === null && firstShown !== null) setPicked(firstShown); }, [picked, firstShown]);
  const pairId = picked ?? firstShown;
  const options = recent.data && pairId !== null && !recent.data.some((p) => p.pairId === pairId)
    ? [{ pairId, iteration: null, choices: [] as string[] }, ...recent.data]
    : recent.data;
  const client = useQueryClient();
  async function find() {
    const wanted = Number(search.trim());
    if (!Number.isInteger(wanted) || wanted <= 0) { setSearchNote('Type a pair id (a whole number).'); return; }
    const found = await client.fetchQuery(trpc.inspect.pairs.queryOptions({ runId, limit: 1, pairId: wanted }));
    if (found.length === 0) { setSearchNote(`Pair ${wanted} has no labels in this run.`); return; }
    setSearchNote(null);
    setPicked(wanted);
  }
  const detail = useQuery(trpc.inspect.pair.queryOptions(pairId === null ? skipToken : { pairId, checkpointId }));

  const d = detail.data;
  const leftClip = useMemo(() => (d ? renderClip(d.clipA.envId, d.clipA.states) : null), [d]);
  const rightClip = useMemo(() => (d ? renderClip(d.clipB.envId, d.clipB.states) : null), [d]);
  const frameCount = Math.max(d?.clipA.states.length ?? 1, d?.clipB.states.length ?? 1);
  const [clock, setClock] = useSharedClock(frameCount);
  const shown = frameIndex(clock);

  return (
    <section className={styles.panel} aria-label="Clip inspector">
      <h2>Clip inspector</h2>
      <div className={styles.pickers}>
        <label className={styles.inlineLabel}>
          Labeled pair
          <select aria-label="Labeled pair" value={pairId ?? ''} onChange={(e) => setPicked(Number(e.target.value))} disabled={!options?.length}>
            {options?.map((p) => (
              <option key={p.pairId} value={p.pairId}>
                {`pair ${p.pairId}${p.iteration === null ? '' : ` (iteration ${p.iteration})`}: ${p.choices.map((c) => CHOICE_TEXT[c] ?? c).join(', ')}`}
              </option>
            ))}
          </select>
        </label>
        <span className={styles.inlineLabel}>
          <button type="button" onClick={() => setPage((n) => n + 1)} disabled={(recent.data?.length ?? 0) < PAGE}>Older {PAGE}</button>
          <button type="button" onClick={() => setPage((n) => Math.max(0, n - 1))} disabled={page === 0}>Newer</button>
          <button type="button" onClick={() => { setPage(0); setPicked(null); }}>Newest pair</button>
          <span className={styles.muted}>page {page + 1}</span>
        </span>
        <form className="inline" onSubmit={(e) => { e.preventDefault(); void find(); }} aria-label="Find a pair">
          <input aria-label="Pair id" placeholder="pair id" inputMode="numeric" value={search} onChange={(e) => setSearch(e.target.value)} />
          <button type="submit">Find</button>
          {searchNote && <span className="form-error" role="alert">{searchNote}</span>}
        </form>
        <label className={styles.inlineLabel}>
          Learned reward of
          <select value={checkpointId ?? ''} onChange={(e) => setCheckpointId(e.target.value === '' ? undefined : Number(e.target.value))}>
            <option value="">the newest checkpoint</option>
            {checkpoints.data?.map((c) => <option key={c.id} value={c.id}>{`iteration ${c.iteration}`}</option>)}
          </select>
        </label>
      </div>
      {recent.data?.length === 0 && <p>No labeled pair yet.</p>}
      {detail.isError && <p className="form-error" role="alert">{errorMessage(detail.error)}</p>}
      {d && leftClip && rightClip && (
        <div data-testid="inspected-pair" data-pair-id={d.pair.id}>
          <table className={styles.table}>
            <thead><tr><th>Annotator</th><th>Choice</th><th>Answered</th><th>Took</th></tr></thead>
            <tbody>
              {d.labels.map((l) => (
                <tr key={l.id}>
                  <td>{l.annotator}</td><td>{CHOICE_TEXT[l.choice] ?? l.choice}</td>
                  <td>{new Date(l.answeredAt).toLocaleTimeString()}</td><td>{(l.responseMs / 1000).toFixed(1)} s</td>
                </tr>
              ))}
            </tbody>
          </table>
          <GoldControl pairId={d.pair.id} choice={d.gold.choice} canSet={d.gold.canSet} />
          <p className={styles.muted}>
            {d.pair.drawnBy ? `Drawn by iteration ${d.pair.drawnBy.iteration}. ` : ''}
            {d.scoredBy ? `Learned reward of iteration ${d.scoredBy.iteration}.` : ''} {d.notes.join(' ')}
          </p>
          <div className={styles.inspectClips}>
            {([['Left clip', leftClip, d.clipA], ['Right clip', rightClip, d.clipB]] as const).map(([label, rendered, clip]) => (
              <div key={label} className={styles.inspectClip}>
                <div className={styles.inspectCanvas}><ClipPlayer clip={rendered} frame={shown} label={label} /></div>
                <div className={styles.muted}>
                  true return {clip.trueReturn ?? '—'}
                  {clip.learnedReward ? ` · learned return ${Number(clip.learnedReward.reduce((s, v) => s + v, 0).toPrecision(4))}` : ''}
                </div>
                <StepRewardChart learned={clip.learnedReward} truth={clip.trueReward} step={shown} label={label === 'Left clip' ? 'left' : 'right'} />
              </div>
            ))}
          </div>
          <div className="player-controls">
            <button type="button" onClick={() => setClock(togglePlaying)}>{clock.playing ? '❚❚ Pause' : '▶ Play'}</button>
            <input type="range" className="scrub" aria-label="Scrub" min={0} max={frameCount - 1} value={shown}
              onChange={(e) => setClock((c) => ({ ...seek(c, Number(e.target.value)), playing: false }))} />
            <span className="frame-counter">{shown + 1}/{frameCount}</span>
          </div>
          {d.heatmap && d.scoredBy && <RewardHeatmap data={d.heatmap} iteration={d.scoredBy.iteration} />}
        </div>
      )}
    </section>
  );
}
