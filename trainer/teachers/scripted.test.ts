import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { acrobot, type AcrobotState } from '../envs/acrobot';
import { hillHeight, mountaincar, MOUNTAINCAR, type MountainCarState } from '../envs/mountaincar';
import type { AnyEnv } from '../envs/types';
import { makeSegment, type Segment } from '../preference/types';
import { judgeFor, scriptedRewards, trueRewardJudge } from './scripted';
import { makeTeacher } from './teacher';
import { segmentReturn } from './returns';

/** A clip stepped from `start` with `policy` (stops at a terminal state, as the collector's clips do). */
function rollout<S>(env: AnyEnv, start: S, policy: (s: S) => number, steps: number): Segment<S> {
  const rng = makeRng(0);
  const states: S[] = [start], actions: number[] = [], trueRewards: number[] = [];
  let done = false;
  for (let h = 0; h < steps && !done; h++) {
    const a = policy(states[h]!);
    const r = env.step(states[h]!, a, rng);
    actions.push(a);
    trueRewards.push(r.reward);
    states.push(r.state as S);
    done = r.done;
  }
  return makeSegment({ envId: env.id, states, actions, trueRewards, logProbs: actions.map(() => Math.log(1 / 3)), done });
}

/** A deterministic teacher (beta = Infinity) judging by `judgement`. */
const deterministic = (judgement: 'true-reward' | 'scripted') => makeTeacher({ beta: Infinity }, judgeFor(judgement));

describe('scripted judgement, mountaincar (swing: the height the car can coast to)', () => {
  const bottom: MountainCarState = { position: -Math.PI / 6, velocity: 0, t: 0 };
  const pump = (s: MountainCarState) => (s.velocity >= 0 ? 2 : 0);
  const coast = () => 1;
  const start: MountainCarState = { position: -0.5, velocity: 0, t: 0 };

  it('measures 0 at rest at the bottom and 1 at rest at the flag, by the formula', () => {
    expect(mountaincar.progress!.measure(bottom)).toBeCloseTo(0, 12);
    expect(mountaincar.progress!.measure({ position: MOUNTAINCAR.goalPosition, velocity: 0, t: 0 })).toBeCloseTo(1, 12);
    // At the bottom with speed v the car coasts up to the height 0.1 + v^2 * 0.45 * 3 / (2 * 0.0025).
    const v = 0.03;
    const expected = (0.1 + (v * v * 0.45 * 3) / (2 * 0.0025) - 0.1) / (hillHeight(0.5) - 0.1);
    expect(mountaincar.progress!.measure({ position: -Math.PI / 6, velocity: v, t: 0 })).toBeCloseTo(expected, 12);
  });

  it('prefers the clip that swings higher when both miss the flag (the true reward is silent)', () => {
    const pumping = rollout(mountaincar, start, pump, 25);
    const coasting = rollout(mountaincar, start, coast, 25);
    expect(segmentReturn(pumping.trueRewards)).toBe(-25);
    expect(segmentReturn(coasting.trueRewards)).toBe(-25);
    // The true-reward teacher cannot tell them apart: a fair coin.
    expect(deterministic('true-reward').probabilityFirst(pumping, coasting)).toBe(0.5);
    expect(deterministic('scripted').probabilityFirst(pumping, coasting)).toBe(1);
    expect(deterministic('scripted').probabilityFirst(coasting, pumping)).toBe(0);
  });

  it('sums to the true return plus weight x (swing at the end - swing at the start)', () => {
    const clip = rollout(mountaincar, start, pump, 25);
    const m = (s: MountainCarState) => mountaincar.progress!.measure(s);
    const expected = segmentReturn(clip.trueRewards) + 20 * (m(clip.states[25]!) - m(clip.states[0]!));
    expect(segmentReturn(scriptedRewards(clip))).toBeCloseTo(expected, 10);
    expect(mountaincar.progress!.weight).toBe(20);
    // Per step: the true reward plus the step's change of swing.
    const perStep = scriptedRewards(clip);
    for (let h = 0; h < 25; h++) expect(perStep[h]).toBeCloseTo(-1 + 20 * (m(clip.states[h + 1]!) - m(clip.states[h]!)), 12);
  });

  it('still prefers the clip that reaches the flag sooner', () => {
    // Both start near the flag, moving right; one pushes on, one brakes (and fails to arrive in time).
    const near: MountainCarState = { position: 0.35, velocity: 0.03, t: 0 };
    const arrives = rollout(mountaincar, near, () => 2, 25);
    const brakes = rollout(mountaincar, near, () => 0, 25);
    expect(arrives.done).toBe(true);
    expect(segmentReturn(arrives.trueRewards)).toBeGreaterThan(segmentReturn(brakes.trueRewards));
    expect(deterministic('scripted').probabilityFirst(arrives, brakes)).toBe(1);
  });
});

describe('scripted judgement, acrobot (swing: how high the arm can lift its tip)', () => {
  const still: AcrobotState = { theta1: 0, theta2: 0, dtheta1: 0, dtheta2: 0, t: 0 };
  const start: AcrobotState = { theta1: 0.05, theta2: -0.05, dtheta1: 0.05, dtheta2: 0.05, t: 0 };

  it('measures 0 hanging still and 1 held straight up at rest', () => {
    expect(acrobot.progress!.measure(still)).toBeCloseTo(0, 12);
    expect(acrobot.progress!.measure({ ...still, theta1: Math.PI })).toBeCloseTo(1, 12);
    // Link 1 horizontal, link 2 hanging down from it: potential -m2 g lc2 = -4.9 of the 19.6 range.
    expect(acrobot.progress!.measure({ ...still, theta1: Math.PI / 2, theta2: -Math.PI / 2 })).toBeCloseTo((19.6 - 4.9) / 39.2, 12);
  });

  it('prefers the clip whose arm swings higher; the true-reward teacher sees two equal clips', () => {
    // Torque along the elbow's velocity pumps energy in; torque against it drains it.
    const pumping = rollout(acrobot, start, (s) => (s.dtheta2 >= 0 ? 2 : 0), 25);
    const damping = rollout(acrobot, start, (s) => (s.dtheta2 >= 0 ? 0 : 2), 25);
    expect(segmentReturn(pumping.trueRewards)).toBe(-25);
    expect(segmentReturn(damping.trueRewards)).toBe(-25);
    const m = acrobot.progress!.measure;
    expect(m(pumping.states[25]!)).toBeGreaterThan(m(damping.states[25]!) + 0.05);
    expect(deterministic('true-reward').probabilityFirst(pumping, damping)).toBe(0.5);
    expect(deterministic('scripted').probabilityFirst(pumping, damping)).toBe(1);
  });
});

describe('judgeFor', () => {
  it("'true-reward' (and absent) passes the true rewards through; 'scripted' adds the progress", () => {
    const clip = rollout(mountaincar, { position: -0.5, velocity: 0, t: 0 }, () => 2, 10);
    expect(judgeFor('true-reward')(clip)).toBe(clip.trueRewards);
    expect(judgeFor(undefined)).toBe(trueRewardJudge);
    expect(judgeFor('scripted')(clip)).not.toEqual(clip.trueRewards);
  });

  it('a progress weight given replaces the env\'s: weight 0 is the true reward, weight w adds w x the change of swing', () => {
    const clip = rollout(mountaincar, { position: -0.5, velocity: 0, t: 0 }, () => 2, 10);
    const m = (s: MountainCarState) => mountaincar.progress!.measure(s);
    expect(judgeFor('scripted', 0)(clip)).toEqual(clip.trueRewards.map((r) => r + 0));
    const perStep = judgeFor('scripted', 5)(clip);
    for (let h = 0; h < 10; h++) expect(perStep[h]).toBeCloseTo(clip.trueRewards[h]! + 5 * (m(clip.states[h + 1]!) - m(clip.states[h]!)), 12);
    expect(judgeFor('true-reward', 5)(clip)).toBe(clip.trueRewards);
  });

  it('refuses an env without a progress measure, naming the envs that have one', () => {
    const clip = makeSegment({ envId: 'cartpole', states: [{}, {}], actions: [0], trueRewards: [1], logProbs: [0], done: false });
    expect(() => scriptedRewards(clip)).toThrow(/no scripted judgement for 'cartpole'.*mountaincar, acrobot/);
  });
});
