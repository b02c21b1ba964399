import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { mountaincar, type MountainCarState } from '../envs/mountaincar';
import { clipToSegment, teacherFor, type ClipLike } from './simulated-annotators';

/** A stored mountaincar clip (states and actions only, as the queue hands it out). */
function storedClip(policy: (s: MountainCarState) => number, steps = 25): ClipLike {
  const rng = makeRng(0);
  const states: MountainCarState[] = [{ position: -0.5, velocity: 0, t: 0 }];
  const actions: number[] = [];
  for (let h = 0; h < steps; h++) {
    actions.push(policy(states[h]!));
    states.push(mountaincar.step(states[h]!, actions[h]!, rng).state);
  }
  return { envId: 'mountaincar', states, actions };
}

describe("simulated annotators: the run's judgement", () => {
  const pumping = clipToSegment(storedClip((s) => (s.velocity >= 0 ? 2 : 0)));
  const coasting = clipToSegment(storedClip(() => 1));

  it('replays the true rewards from the stored states (both clips miss the flag: -25 each)', () => {
    expect(pumping.trueRewards.reduce((a, b) => a + b, 0)).toBe(-25);
    expect(coasting.trueRewards.reduce((a, b) => a + b, 0)).toBe(-25);
  });

  it("judges by the true reward by default and by the swing when the run says 'scripted'", () => {
    expect(teacherFor('oracle').probabilityFirst(pumping, coasting)).toBe(0.5);
    expect(teacherFor('oracle', 'true-reward').probabilityFirst(pumping, coasting)).toBe(0.5);
    expect(teacherFor('oracle', 'scripted').probabilityFirst(pumping, coasting)).toBe(1);
    // A Boltzmann teacher (beta 1) on the scripted returns: sigmoid of their gap, above 1/2.
    const stoc = teacherFor('stoc', 'scripted').probabilityFirst(pumping, coasting);
    expect(stoc).toBeGreaterThan(0.5);
    expect(stoc).toBeLessThan(1);
  });
});
