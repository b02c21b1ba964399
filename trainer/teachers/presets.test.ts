import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { makeSegment } from '../preference/types';
import { BPREF_TEACHERS, bprefTeacher, equalTeacher, mistakeTeacher, myopicTeacher, oracleTeacher, skipTeacher, stocTeacher } from './presets';
import { makeTeacher } from './teacher';

const clip = (rewards: number[]) => makeSegment({
  envId: 'test', states: [...rewards.map(() => 0), 0], actions: rewards.map(() => 0), trueRewards: rewards, logProbs: rewards.map(() => 0), done: false,
});

describe('B-Pref presets', () => {
  it('each differs from the oracle in exactly its one behaviour, with the B-Pref values', () => {
    const oracle = oracleTeacher();
    expect(oracle).toEqual({ beta: Infinity, mistake: 0, skipThreshold: null, equalThreshold: 0, myopicGamma: 1 });
    expect(stocTeacher()).toEqual({ ...oracle, beta: 1 });
    expect(mistakeTeacher()).toEqual({ ...oracle, mistake: 0.1 });
    expect(myopicTeacher()).toEqual({ ...oracle, myopicGamma: 0.9 });
    expect(skipTeacher(20)).toEqual({ ...oracle, skipThreshold: 2 });
    expect(equalTeacher(-25)).toEqual({ ...oracle, equalThreshold: 2.5 });
  });

  it('every preset by name is a valid config that labels a clear pair', () => {
    for (const name of BPREF_TEACHERS) {
      const teacher = makeTeacher(bprefTeacher(name, 10));
      // Gap 40: sigmoid(40) rounds to 1 for stoc; only the mistake teacher may (10%) flip it.
      const answer = teacher.label(clip([20, 20]), clip([0, 0]), makeRng(1));
      if (name === 'mistake') expect([{ kind: 'label', y: 1 }, { kind: 'label', y: 0 }]).toContainEqual(answer);
      else expect(answer).toEqual({ kind: 'label', y: 1 });
    }
  });

  it('skip preset drops a pair of bad clips; equal preset ties close ones', () => {
    expect(makeTeacher(skipTeacher(20)).label(clip([1]), clip([0.5]), makeRng(1))).toEqual({ kind: 'skip' });
    expect(makeTeacher(equalTeacher(20)).label(clip([10]), clip([11]), makeRng(1))).toEqual({ kind: 'label', y: 0.5 });
    expect(() => skipTeacher(Number.NaN)).toThrow(/segmentReturnScale/);
  });
});
