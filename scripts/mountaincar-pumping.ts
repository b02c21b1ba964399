/**
 * What following mountaincar's scripted-teacher signal alone is worth: the true return of
 * hand-written energy-pumping policies (the swing, `mountainCarSwing`, is what the scripted
 * teacher rewards besides the true return), over 500 episodes from Gymnasium's start
 * distribution. The README's issue-16 section compares the learners with these.
 *
 *   npx tsx scripts/mountaincar-pumping.ts
 */
import { makeRng } from '../trainer/core/rng';
import { mountaincar, mountainCarSwing, type MountainCarState } from '../trainer/envs/mountaincar';

const EPISODES = 500;
const ACTIONS = [0, 1, 2] as const;

const POLICIES: Record<string, (s: MountainCarState) => number> = {
  'push along the velocity (at rest: right)': (s) => (s.velocity < 0 ? 0 : 2),
  'push along the velocity (at rest: left)': (s) => (s.velocity > 0 ? 2 : 0),
  // mountaincar's step is deterministic: the rng is unused.
  'the action whose next state swings highest': (s) => {
    const swing = (a: number) => mountainCarSwing(mountaincar.step(s, a, makeRng(0)).state);
    return ACTIONS.reduce((best, a) => (swing(a) > swing(best) ? a : best));
  },
};

for (const [name, policy] of Object.entries(POLICIES)) {
  const rng = makeRng(7);
  let total = 0;
  for (let e = 0; e < EPISODES; e++) {
    let state = mountaincar.reset(rng);
    for (;;) {
      const step = mountaincar.step(state, policy(state), rng);
      total += step.reward;
      state = step.state;
      if (step.done) break;
    }
  }
  process.stdout.write(`${name}: mean true return ${(total / EPISODES).toFixed(1)} over ${EPISODES} episodes\n`);
}
