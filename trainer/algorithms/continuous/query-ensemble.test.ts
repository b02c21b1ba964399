import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { pendulum } from '../../envs/pendulum';
import { toNormalisedAction } from './action-box';
import type { ContinuousSegment } from './experience';
import { ContinuousLearner } from './learner';
import { DEFAULT_CONTINUOUS_ENSEMBLE, ContinuousQueryEnsemble } from './query-ensemble';
import { packContinuousPairs, packSegments } from './reward-model';
import { DEFAULT_CONTINUOUS_SCHEDULE } from './run-config';

const H = 10;

async function clipsOfPendulum(count: number, seed: number): Promise<Array<[ContinuousSegment, ContinuousSegment]>> {
  const learner = new ContinuousLearner(pendulum, 'drlhf', { gamma: 0.99, tau: 0.2, seed }, DEFAULT_CONTINUOUS_SCHEDULE, seed + 1);
  await learner.collect(400);
  return learner.candidatePairs(count, H, makeRng(seed + 2));
}

/** Teacher: the clip with the larger summed true reward, beta 1. */
function labelled(pairs: Array<[ContinuousSegment, ContinuousSegment]>, rng: ReturnType<typeof makeRng>) {
  return pairs.map(([first, second]) => {
    const d = first.trueRewards.reduce((s, r) => s + r, 0) - second.trueRewards.reduce((s, r) => s + r, 0);
    return { first, second, y: rng.next() < 1 / (1 + Math.exp(-d)) ? 1 : 0 };
  });
}

/** Brute force, one pair at a time: std over members of sigmoid(sum_h r_k(first) - sum_h r_k(second)), in doubles. */
function bruteDisagreement(ensemble: ContinuousQueryEnsemble, first: ContinuousSegment, second: ContinuousSegment): number {
  const A = pendulum.actionSpace.low.length;
  const clipReturn = (member: ContinuousQueryEnsemble['members'][number], seg: ContinuousSegment) => {
    let total = 0;
    seg.actions.forEach((a, h) => {
      const action = new Float32Array(A);
      toNormalisedAction(pendulum.actionSpace, a, action);
      total += member.rewards(Float32Array.from(pendulum.observe(seg.states[h] as never)), action, 1)[0]!;
    });
    return total;
  };
  const p = ensemble.members.map((m) => 1 / (1 + Math.exp(-(clipReturn(m, first) - clipReturn(m, second)))));
  const mean = p.reduce((s, v) => s + v, 0) / p.length;
  return Math.sqrt(p.reduce((s, v) => s + (v - mean) ** 2, 0) / p.length);
}

describe('continuous query ensemble', () => {
  it('scores every candidate as the brute-force disagreement, and its best is the pair the members disagree on most', async () => {
    const all = await clipsOfPendulum(60, 3);
    const labels = labelled(all.slice(0, 40), makeRng(4));
    const ensemble = new ContinuousQueryEnsemble(pendulum, { ...DEFAULT_CONTINUOUS_ENSEMBLE, size: 4 }, 5);
    ensemble.fit(packContinuousPairs(pendulum, labels, H), labels.map((_, i) => 100 + i), makeRng(6));
    const candidates = all.slice(40);
    const scores = ensemble.disagreement(packSegments(pendulum, candidates.map((c) => c[0]), H), packSegments(pendulum, candidates.map((c) => c[1]), H));
    const brute = candidates.map(([a, b]) => bruteDisagreement(ensemble, a, b));
    brute.forEach((v, i) => expect(scores[i]).toBeCloseTo(v, 5));
    const best = brute.indexOf(Math.max(...brute));
    expect(Array.from(scores).indexOf(Math.max(...scores))).toBe(best);
    // The bootstrap made the members differ: some candidate is disputed.
    expect(Math.max(...brute)).toBeGreaterThan(1e-3);
  });

  it('members with the same weights agree on every pair (disagreement 0)', async () => {
    const candidates = await clipsOfPendulum(8, 7);
    const ensemble = new ContinuousQueryEnsemble(pendulum, { ...DEFAULT_CONTINUOUS_ENSEMBLE, size: 3 }, 1);
    for (const m of ensemble.members) m.net.setParams(ensemble.members[0]!.net.params().slice());
    const scores = ensemble.disagreement(packSegments(pendulum, candidates.map((c) => c[0]), H), packSegments(pendulum, candidates.map((c) => c[1]), H));
    expect(Array.from(scores)).toEqual(new Array(8).fill(0));
  });

  it('fitting lowers each member\'s loss on its labels; cold fits take 5x the steps', async () => {
    const labels = labelled(await clipsOfPendulum(40, 9), makeRng(1));
    const batch = packContinuousPairs(pendulum, labels, H);
    const ensemble = new ContinuousQueryEnsemble(pendulum, { ...DEFAULT_CONTINUOUS_ENSEMBLE, size: 3, steps: 10 }, 2);
    const before = ensemble.members.map((m) => m.meanPairLoss(batch));
    // Float32Adam keeps beta1^(t + 1) after t steps.
    const adamSteps = () => Math.round(Math.log(ensemble.members[0]!.net.adam.exportState()[0]!) / Math.log(0.9)) - 1;
    ensemble.fit(batch, labels.map((_, i) => i), makeRng(3));
    expect(adamSteps()).toBe(50);
    ensemble.members.forEach((m, k) => expect(m.meanPairLoss(batch)).toBeLessThan(before[k]!));
    ensemble.fit(batch, labels.map((_, i) => i), makeRng(4));
    expect(adamSteps()).toBe(60);
  });

  it('its state round-trips into a fresh ensemble, and one that does not fit is refused before any write', async () => {
    const labels = labelled(await clipsOfPendulum(20, 11), makeRng(2));
    const a = new ContinuousQueryEnsemble(pendulum, { ...DEFAULT_CONTINUOUS_ENSEMBLE, size: 3, steps: 4 }, 2);
    a.fit(packContinuousPairs(pendulum, labels, H), labels.map((_, i) => i), makeRng(3));
    const state = a.exportState();
    const b = new ContinuousQueryEnsemble(pendulum, { ...DEFAULT_CONTINUOUS_ENSEMBLE, size: 3, steps: 4 }, 9);
    b.importState(state);
    const plain = (s: Record<string, Float32Array>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.from(v)]));
    expect(plain(b.exportState())).toEqual(plain(state));
    expect(b.fitted).toBe(true);
    const bigger = new ContinuousQueryEnsemble(pendulum, { ...DEFAULT_CONTINUOUS_ENSEMBLE, size: 4, steps: 4 }, 9);
    const untouched = plain(bigger.exportState());
    expect(() => bigger.importState(state)).toThrow(/member 3 is missing/);
    const damaged = { ...state, 'adam/2': Float32Array.from(state['adam/2']!, (v, i) => (i === 0 ? 2 : v)) };
    const c = new ContinuousQueryEnsemble(pendulum, { ...DEFAULT_CONTINUOUS_ENSEMBLE, size: 3, steps: 4 }, 9);
    const cBefore = plain(c.exportState());
    expect(() => c.importState(damaged)).toThrow(/member 2's optimiser state is impossible/);
    expect(plain(bigger.exportState())).toEqual(untouched);
    expect(plain(c.exportState())).toEqual(cBefore);
  });
});
