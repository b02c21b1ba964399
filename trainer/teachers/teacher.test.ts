import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { makeSegment, type Segment } from '../preference/types';
import { boltzmannFirst, makeTeacher } from './teacher';
import { myopicReturn, segmentReturn } from './returns';

/** A clip with the given true rewards (the states do not matter to a teacher). */
function clip(rewards: number[]): Segment<number> {
  return makeSegment({
    envId: 'test',
    states: Array.from({ length: rewards.length + 1 }, (_, i) => i),
    actions: rewards.map(() => 0),
    trueRewards: rewards,
    logProbs: rewards.map(() => Math.log(0.5)),
    done: false,
  });
}

/** Draw n labels and return the frequency of y = 1 (skips fail the test). */
function frequencyFirst(teacher: ReturnType<typeof makeTeacher>, a: Segment, b: Segment, n: number, seed: number) {
  const rng = makeRng(seed);
  let ones = 0;
  for (let i = 0; i < n; i++) {
    const answer = teacher.label(a, b, rng);
    if (answer.kind !== 'label') throw new Error('unexpected skip');
    if (answer.y === 1) ones++;
    else expect(answer.y).toBe(0);
  }
  return ones / n;
}

/** |observed - p| within 4.5 binomial standard deviations (false alarm ~ 7e-6 per check). */
function expectBinomial(observed: number, p: number, n: number) {
  const sd = Math.sqrt((p * (1 - p)) / n);
  expect(Math.abs(observed - p)).toBeLessThanOrEqual(4.5 * sd + 1e-12);
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('returns', () => {
  it('myopic return weighs step h by gamma^(H-1-h), by hand', () => {
    // H = 4, gamma = 0.5: 0.125 * 8 + 0.25 * (-4) + 0.5 * 2 + 1 * 1 = 1 - 1 + 1 + 1 = 2.
    expect(myopicReturn([8, -4, 2, 1], 0.5)).toBeCloseTo(2, 14);
    expect(myopicReturn([8, -4, 2, 1], 1)).toBe(segmentReturn([8, -4, 2, 1]));
    expect(segmentReturn([8, -4, 2, 1])).toBe(7);
    expect(myopicReturn([], 0.9)).toBe(0);
    // Against the definition, summed term by term, on random rewards.
    const rng = makeRng(1);
    const r = Array.from({ length: 25 }, () => rng.normal());
    const direct = r.reduce((acc, rh, h) => acc + 0.9 ** (r.length - 1 - h) * rh, 0);
    expect(myopicReturn(r, 0.9)).toBeCloseTo(direct, 12);
  });
});

describe('makeTeacher', () => {
  it('with beta = Infinity always picks the higher-return clip', () => {
    const teacher = makeTeacher({ beta: Infinity });
    const rng = makeRng(3);
    for (let i = 0; i < 300; i++) {
      const a = clip(Array.from({ length: 5 }, () => rng.normal()));
      const b = clip(Array.from({ length: 5 }, () => rng.normal()));
      const answer = teacher.label(a, b, rng);
      const better = segmentReturn(a.trueRewards) > segmentReturn(b.trueRewards) ? 1 : 0;
      expect(answer).toEqual({ kind: 'label', y: better });
    }
  });

  it('with beta = Infinity breaks an exact tie by a fair coin', () => {
    const teacher = makeTeacher({ beta: Infinity });
    expectBinomial(frequencyFirst(teacher, clip([1, 0]), clip([0, 1]), 4000, 5), 0.5, 4000);
  });

  it('labels y = 1 with frequency sigmoid(beta (R1 - R2)) (Bradley-Terry)', () => {
    const n = 4000;
    const cases: Array<[number, number[], number[]]> = [
      [1, [1, 0.5], [0.2, 0.3]], // delta 1
      [5, [0.1, 0.1], [0.05, 0.0]], // delta 0.15
      [0.5, [0, -1, -1], [1, 1, 0]], // delta -4
      [0, [10], [-10]], // a coin
    ];
    cases.forEach(([beta, r1, r2], i) => {
      const teacher = makeTeacher({ beta });
      const p = sigmoid(beta * (segmentReturn(r1) - segmentReturn(r2)));
      expect(teacher.probabilityFirst(clip(r1), clip(r2))).toBeCloseTo(p, 12);
      expectBinomial(frequencyFirst(teacher, clip(r1), clip(r2), n, 10 + i), p, n);
    });
  });

  it('flips labels at the mistake rate, after the choice', () => {
    const n = 5000;
    // Deterministic choice: the observed rate of the worse clip is epsilon.
    const mistaken = makeTeacher({ beta: Infinity, mistake: 0.2 });
    expectBinomial(1 - frequencyFirst(mistaken, clip([1]), clip([0]), n, 20), 0.2, n);
    // Stochastic choice: P(y = 1) = (1 - eps) p + eps (1 - p).
    const noisy = makeTeacher({ beta: 1, mistake: 0.3 });
    const p = sigmoid(1.5), q = 0.7 * p + 0.3 * (1 - p);
    expect(noisy.probabilityFirst(clip([1.5]), clip([0]))).toBeCloseTo(q, 12);
    expectBinomial(frequencyFirst(noisy, clip([1.5]), clip([0]), n, 21), q, n);
    // mistake = 1 always picks the worse clip.
    expect(frequencyFirst(makeTeacher({ mistake: 1 }), clip([1]), clip([0]), 200, 22)).toBe(0);
  });

  it('skips a query when both returns are below the threshold, and only then', () => {
    const teacher = makeTeacher({ skipThreshold: 2 });
    const rng = makeRng(30);
    expect(teacher.label(clip([1, 0.5]), clip([0.5, 1.4]), rng)).toEqual({ kind: 'skip' }); // max 1.9
    expect(teacher.label(clip([1, 1]), clip([0, 0]), rng)).toEqual({ kind: 'label', y: 1 }); // max 2, not < 2
    expect(teacher.label(clip([0]), clip([5]), rng)).toEqual({ kind: 'label', y: 0 });
    // Negative thresholds work for negative-reward envs (mountaincar, acrobot).
    const neg = makeTeacher({ skipThreshold: -20 });
    expect(neg.label(clip(Array(25).fill(-1)), clip(Array(21).fill(-1)), rng)).toEqual({ kind: 'skip' });
    expect(neg.label(clip(Array(25).fill(-1)), clip(Array(19).fill(-1)), rng)).toEqual({ kind: 'label', y: 0 });
    // null never skips, however bad.
    expect(makeTeacher({ skipThreshold: null }).label(clip([-1e9]), clip([-1e9 - 1]), rng).kind).toBe('label');
  });

  it('says equal (0.5) when the returns are within the threshold, even with mistakes on', () => {
    const teacher = makeTeacher({ equalThreshold: 0.5, mistake: 0.5, beta: 1 });
    const rng = makeRng(31);
    for (let i = 0; i < 200; i++) expect(teacher.label(clip([1, 1]), clip([1.2, 1.2]), rng)).toEqual({ kind: 'label', y: 0.5 }); // gap 0.4
    const strict = makeTeacher({ equalThreshold: 0.5 });
    expect(strict.label(clip([1]), clip([1.5]), rng)).toEqual({ kind: 'label', y: 0 }); // gap 0.5, not < 0.5
    // Equal threshold 0 never says equal, not even on a tie.
    const never = makeTeacher({ equalThreshold: 0 });
    for (let i = 0; i < 50; i++) expect(never.label(clip([1]), clip([1]), rng)).not.toEqual({ kind: 'label', y: 0.5 });
  });

  it('skip is checked before equal', () => {
    const teacher = makeTeacher({ skipThreshold: 10, equalThreshold: 1 });
    expect(teacher.label(clip([1]), clip([1.1]), makeRng(1))).toEqual({ kind: 'skip' });
  });

  it('myopic teacher chooses on discounted returns (a clip that ends well beats one that starts well)', () => {
    const startsWell = clip([3, 0, 0, 0]); // R = 3, myopic (0.5) = 3 * 0.125 = 0.375
    const endsWell = clip([0, 0, 0, 2]); // R = 2, myopic = 2
    const myopic = makeTeacher({ myopicGamma: 0.5 });
    const plain = makeTeacher({});
    expect(myopic.label(startsWell, endsWell, makeRng(1))).toEqual({ kind: 'label', y: 0 });
    expect(plain.label(startsWell, endsWell, makeRng(1))).toEqual({ kind: 'label', y: 1 });
    // Stochastic myopic: the probability uses the hand-computed myopic gap 0.375 - 2.
    const stoch = makeTeacher({ myopicGamma: 0.5, beta: 2 });
    expect(stoch.probabilityFirst(startsWell, endsWell)).toBeCloseTo(sigmoid(2 * (0.375 - 2)), 12);
    expectBinomial(frequencyFirst(stoch, startsWell, endsWell, 4000, 40), sigmoid(2 * (0.375 - 2)), 4000);
    // Equal and skip look at the plain sums (B-Pref): a gap of 1 in R is not "equal" at threshold 0.5.
    const equalMyopic = makeTeacher({ myopicGamma: 0.5, equalThreshold: 0.5 });
    expect(equalMyopic.label(clip([1, 0]), clip([0, 1]), makeRng(2))).toEqual({ kind: 'label', y: 0.5 }); // R equal, myopic differ
  });

  it('compares clips of different lengths by their own sums (an early fall is a lower return)', () => {
    const fell = clip([1, 1, 1]);
    const survived = clip(Array(25).fill(1));
    expect(makeTeacher({}).label(fell, survived, makeRng(1))).toEqual({ kind: 'label', y: 0 });
  });

  it('is reproducible from the seed', () => {
    const teacher = makeTeacher({ beta: 1, mistake: 0.1 });
    const run = (seed: number) => {
      const rng = makeRng(seed);
      return Array.from({ length: 100 }, () => teacher.label(clip([0.3]), clip([0]), rng));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('boltzmannFirst is stable for huge gaps', () => {
    expect(boltzmannFirst(1, 1e6)).toBe(1);
    expect(boltzmannFirst(1, -1e6)).toBe(0);
    expect(boltzmannFirst(Infinity, 1e-12)).toBe(1);
    expect(Number.isNaN(boltzmannFirst(1e308, 1e308))).toBe(false);
  });
});

describe('teacher config validation', () => {
  it('fills defaults: the oracle', () => {
    expect(makeTeacher({}).config).toEqual({ beta: Infinity, mistake: 0, skipThreshold: null, equalThreshold: 0, myopicGamma: 1 });
    expect(makeTeacher({ beta: 5, mistake: undefined }).config.mistake).toBe(0);
  });

  it.each([
    [{ beta: -1 }, /beta/],
    [{ beta: Number.NaN }, /beta/],
    [{ mistake: 1.5 }, /mistake: must be in \[0, 1\] \(got 1\.5\)/],
    [{ mistake: -0.1 }, /mistake/],
    [{ equalThreshold: -1 }, /equalThreshold/],
    [{ myopicGamma: 0 }, /myopicGamma/],
    [{ myopicGamma: 1.1 }, /myopicGamma/],
    [{ skipThreshold: Number.POSITIVE_INFINITY }, /skipThreshold/],
    [{ mistakes: 0.1 } as never, /mistakes/],
  ])('rejects %j with an error naming the field', (config, field) => {
    expect(() => makeTeacher(config)).toThrow(/^teacher config: /);
    expect(() => makeTeacher(config)).toThrow(field);
  });
});
