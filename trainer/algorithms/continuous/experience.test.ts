import { describe, expect, it } from 'vitest';
import { makeRng, type Rng } from '../../core/rng';
import { pendulum } from '../../envs/pendulum';
import { ContinuousCollector, continuousSegmentStarts, evaluateContinuous, type ContinuousPolicy, type ContinuousTransition } from './experience';

/** Uniform actions over [-1, 1], counting the observation rows it is asked about. */
function countingPolicy(): { policy: ContinuousPolicy; rows: () => number } {
  let rows = 0;
  const policy = (_obs: Float32Array, n: number, rng: Rng) => {
    rows += n;
    return { actions: Float32Array.from({ length: n }, () => rng.next() * 2 - 1), logProb: new Float32Array(n) };
  };
  return { policy, rows: () => rows };
}

/** Each episode's transitions, in time order. */
function episodes(transitions: readonly ContinuousTransition[]): ContinuousTransition[][] {
  const byId = new Map<number, ContinuousTransition[]>();
  for (const tr of transitions) byId.set(tr.episode, [...(byId.get(tr.episode) ?? []), tr]);
  return [...byId.values()];
}

describe('ContinuousCollector: the collection episode length', () => {
  it('resets every episode after `episodeSteps` steps, the last one a truncation (bootstrapped), never a terminal', () => {
    const steps = 30;
    const collected = new ContinuousCollector(pendulum, 4, makeRng(1), steps).collect(countingPolicy().policy, 4 * 100);
    const complete = episodes(collected).filter((e) => e.length === steps);
    expect(complete.length).toBeGreaterThanOrEqual(12); // 100 rounds of 4 envs: 3 whole episodes each
    for (const episode of episodes(collected)) {
      expect(episode.length).toBeLessThanOrEqual(steps);
      expect(episode.map((tr) => tr.t)).toEqual(episode.map((_, i) => i));
      // Only the cut step ends the episode, and it is a time limit, not a fall.
      episode.forEach((tr, i) => expect([tr.done, tr.truncated]).toEqual(i === steps - 1 ? [true, true] : [false, false]));
    }
    // A reset starts the env itself afresh: its own step counter back at 0, not only the collector's.
    const restarted = collected.filter((tr) => tr.t === 0);
    expect(restarted.length).toBeGreaterThanOrEqual(4 + 12);
    for (const tr of restarted) expect((tr.state as { t: number }).t).toBe(0);
    // A clip never crosses a reset: every 10-step run from a valid start stays in one episode.
    for (const start of continuousSegmentStarts(collected, 10)) {
      const episode = collected[start]!.episode;
      expect(collected.slice(start).filter((tr) => tr.episode === episode).length).toBeGreaterThanOrEqual(10);
    }
  });

  it('without a length (or with one past the env\'s), episodes run the env\'s full 200 steps', () => {
    for (const steps of [undefined, 5000]) {
      const collected = new ContinuousCollector(pendulum, 2, makeRng(2), steps).collect(countingPolicy().policy, 2 * 250);
      const first = episodes(collected)[0]!;
      expect(first.length).toBe(pendulum.maxEpisodeSteps);
      expect([first.at(-1)!.done, first.at(-1)!.truncated]).toEqual([true, true]);
      expect(first.slice(0, -1).every((tr) => !tr.done)).toBe(true);
    }
  });

  it('refuses a length that is not a positive integer', () => {
    for (const steps of [0, -3, 2.5]) expect(() => new ContinuousCollector(pendulum, 1, makeRng(3), steps)).toThrow(/positive integer/);
  });

  it('evaluation keeps the env\'s full episode whatever the collection length', () => {
    const { policy, rows } = countingPolicy();
    evaluateContinuous(pendulum, policy, 3, makeRng(4));
    expect(rows()).toBe(3 * pendulum.maxEpisodeSteps);
  });
});
