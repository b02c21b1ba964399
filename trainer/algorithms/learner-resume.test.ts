import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { getEnv } from '../envs';
import { makeTeacher } from '../teachers';
import { DEFAULT_DRLHF, makeDrlhf } from './drlhf';
import { DEFAULT_M_SOBIRL_RLHF, makeMSobirlLearner } from './m-sobirl-rlhf';
import { DEFAULT_SOBIRL, makeSobirl } from './sobirl';
import { DEFAULT_STOC_SOBIRL, makeStocSobirl } from './stoc-sobirl';
import { LearnerStateError, type LearnerInit, type TabularLearner } from './tabular-learner';
import { makeTabularSetup, sampleTabularSegment, toLinearPair, type LinearPair, type TabularSetup } from './tabular-rlhf';

/**
 * Checkpoint/resume of the tabular learners: a learner rebuilt from (x, Q, exportState()) after
 * iteration 2 must take exactly the iterations 3..4 the uninterrupted learner takes. The labels
 * are fixed in advance so both see the same data.
 */
const setup = makeTabularSetup(getEnv('grid5'), 0.9, 0.1, 'state');

function labeledBatches(count: number, size: number): LinearPair[][] {
  const rng = makeRng(17);
  const teacher = makeTeacher({ beta: 5 });
  const uniform = new Float64Array(setup.mdp.S * setup.mdp.A).fill(1 / setup.mdp.A);
  return Array.from({ length: count }, () => Array.from({ length: size }, () => {
    const first = sampleTabularSegment(setup, uniform, 12, rng), second = sampleTabularSegment(setup, uniform, 12, rng);
    const answer = teacher.label(first, second, rng);
    return toLinearPair(setup, { first, second, y: answer.kind === 'label' ? answer.y : 0.5 });
  }));
}

const MAKERS: Record<string, (s: TabularSetup, init?: LearnerInit) => TabularLearner> = {
  sobirl: (s, init) => makeSobirl(s, DEFAULT_SOBIRL, init),
  drlhf: (s, init) => makeDrlhf(s, DEFAULT_DRLHF, init),
  'stoc-sobirl': (s, init) => makeStocSobirl(s, (k) => makeRng(1000 + k), { ...DEFAULT_STOC_SOBIRL, batchSize: 8 }, init),
  'm-sobirl': (s, init) => makeMSobirlLearner(s, DEFAULT_M_SOBIRL_RLHF, init),
};

describe.each(Object.keys(MAKERS))('%s resumed from a checkpoint', (name) => {
  const make = MAKERS[name]!;
  const batches = labeledBatches(4, 12);

  const run = (learner: TabularLearner, from: number, to: number) => {
    for (let k = from; k < to; k++) learner.iterate(batches.slice(0, k + 1).flat(), batches[k]!, k);
  };
  const checkpointOf = (l: TabularLearner): LearnerInit => ({ x: new Float64Array(l.x), Q: new Float64Array(l.Q), state: l.exportState() });

  it('continues exactly as the uninterrupted learner; weights alone (cold optimiser) do not', () => {
    const uninterrupted = make(setup);
    run(uninterrupted, 0, 2);
    const saved = checkpointOf(uninterrupted);
    run(uninterrupted, 2, 4);

    const resumed = make(setup, saved);
    run(resumed, 2, 4);
    expect(Array.from(resumed.x)).toEqual(Array.from(uninterrupted.x));
    expect(Array.from(resumed.Q)).toEqual(Array.from(uninterrupted.Q));
    expect(Array.from(resumed.exportState())).toEqual(Array.from(uninterrupted.exportState()));

    const cold = make(setup, { x: saved.x, Q: saved.Q });
    run(cold, 2, 4);
    expect(Array.from(cold.x)).not.toEqual(Array.from(uninterrupted.x));
  });

  it('refuses optimiser state of the wrong size with a LearnerStateError', () => {
    const learner = make(setup);
    run(learner, 0, 1);
    const bad = { ...checkpointOf(learner), state: new Float64Array(learner.exportState().length + 1) };
    expect(() => make(setup, bad)).toThrow(LearnerStateError);
  });
});
