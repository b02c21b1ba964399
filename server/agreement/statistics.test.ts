import { describe, expect, it } from 'vitest';
import { makeRng } from '@/trainer/core/rng';
import { cohensKappa, krippendorffAlphaNominal, median, strictMajority } from './statistics';

describe("Cohen's kappa", () => {
  it('matches the hand computation on ten units', () => {
    //        1  2  3  4  5  6  7  8  9  10
    // A:     L  L  L  R  R  R  E  L  R  L
    // B:     L  L  R  R  R  L  E  L  R  R
    // Same on units 1,2,4,5,7,8,9: p_o = 7/10 = 0.7.
    // A: L 5, R 4, E 1;  B: L 4, R 5, E 1.
    // p_e = 0.5*0.4 + 0.4*0.5 + 0.1*0.1 = 0.41;  kappa = (0.7 - 0.41) / (1 - 0.41) = 0.29/0.59 = 0.491525...
    const a = ['L', 'L', 'L', 'R', 'R', 'R', 'E', 'L', 'R', 'L'];
    const b = ['L', 'L', 'R', 'R', 'R', 'L', 'E', 'L', 'R', 'R'];
    const result = cohensKappa(a, b);
    expect(result.n).toBe(10);
    expect(result.observed).toBeCloseTo(0.7, 12);
    expect(result.expected).toBeCloseTo(0.41, 12);
    expect(result.kappa).toBeCloseTo(0.29 / 0.59, 12);
    // A unit only one of them labeled changes nothing.
    expect(cohensKappa([...a, 'L', null], [...b, null, 'R']).kappa).toBeCloseTo(0.29 / 0.59, 12);
  });

  it('is 1 for perfect agreement, and undefined when chance agreement is certain or nothing is shared', () => {
    expect(cohensKappa(['L', 'R', 'E'], ['L', 'R', 'E']).kappa).toBeCloseTo(1, 12);
    expect(cohensKappa(['L', 'L'], ['L', 'L']).kappa).toBeNull();
    expect(cohensKappa(['L', null], [null, 'R']).kappa).toBeNull();
    expect(() => cohensKappa(['L'], [])).toThrow(/one entry per unit/);
  });
});

describe("Krippendorff's alpha (nominal)", () => {
  it("reproduces Krippendorff's (2011) four-coder example with missing values: 0.743", () => {
    // Units 1..12, coders A-D ('.' missing). Unit 12 has one value: not pairable.
    // n = 3+4*8+3+2 = 40 pairable values; n_1=9, n_2=13, n_3=10, n_4=5, n_5=3.
    // Disagreeing coincidences: unit 2 {2,2,2,3}: 6 ordered pairs / (4-1) = 2;
    //   unit 6 {1,2,3,4}: 12/3 = 4;  unit 8 {1,1,2,1}: 6/3 = 2;  total 8.
    // sum_{c!=k} n_c n_k = 40^2 - (81+169+100+25+9) = 1216.
    // alpha = 1 - (n-1) * 8 / 1216 = 1 - 312/1216 = 904/1216 = 0.743421...
    const _ = null;
    const coders = [
      [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
      [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
    ];
    const units = coders[0]!.map((_v, u) => coders.map((c) => (c[u] === null ? null : String(c[u]))));
    const result = krippendorffAlphaNominal(units);
    expect(result.units).toBe(11);
    expect(result.values).toBe(40);
    expect(result.observedDisagreement).toBeCloseTo(8 / 40, 12);
    expect(result.expectedDisagreement).toBeCloseTo(1216 / (40 * 39), 12);
    expect(result.alpha).toBeCloseTo(904 / 1216, 12);
    expect(result.alpha!.toFixed(3)).toBe('0.743');
  });

  it('agrees with a literal coincidence-matrix computation on random data', () => {
    const rng = makeRng(7);
    for (let trial = 0; trial < 20; trial++) {
      const units = Array.from({ length: 2 + rng.int(12) }, () =>
        Array.from({ length: 2 + rng.int(4) }, () => (rng.next() < 0.25 ? null : ['L', 'R', 'E'][rng.int(3)]!)),
      );
      // Reference: build o[c][k] pair by pair, straight from the definition.
      const o = new Map<string, number>();
      for (const unit of units) {
        const vs = unit.filter((v): v is string => v !== null);
        if (vs.length < 2) continue;
        vs.forEach((vi, i) => vs.forEach((vj, j) => {
          if (i !== j) o.set(`${vi}|${vj}`, (o.get(`${vi}|${vj}`) ?? 0) + 1 / (vs.length - 1));
        }));
      }
      const cats = ['L', 'R', 'E'];
      const nc = cats.map((c) => cats.reduce((s, k) => s + (o.get(`${c}|${k}`) ?? 0), 0));
      const n = nc.reduce((s, x) => s + x, 0);
      let dO = 0;
      let dE = 0;
      cats.forEach((c, ci) => cats.forEach((k, ki) => {
        if (c !== k) {
          dO += (o.get(`${c}|${k}`) ?? 0) / n;
          dE += (nc[ci]! * nc[ki]!) / (n * (n - 1));
        }
      }));
      const expected = n < 2 || dE === 0 ? null : 1 - dO / dE;
      const actual = krippendorffAlphaNominal(units).alpha;
      if (expected === null) expect(actual).toBeNull();
      else expect(actual).toBeCloseTo(expected, 10);
    }
  });

  it('is 1 for perfect agreement and undefined with a single value or nothing pairable', () => {
    expect(krippendorffAlphaNominal([['L', 'L'], ['R', 'R', null]]).alpha).toBeCloseTo(1, 12);
    expect(krippendorffAlphaNominal([['L', 'L'], ['L', 'L']]).alpha).toBeNull();
    expect(krippendorffAlphaNominal([['L', null], [null, 'R']]).alpha).toBeNull();
  });
});

describe('helpers', () => {
  it('strictMajority returns the unique mode or null on ties', () => {
    expect(strictMajority(['L', 'R', 'L'])).toBe('L');
    expect(strictMajority(['L', 'R'])).toBeNull();
    expect(strictMajority([])).toBeNull();
  });
  it('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
