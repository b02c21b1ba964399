import { describe, expect, it } from 'vitest';
import type { Choice } from '@/db/schema';
import { runAgreement, type AgreementLabel } from './runAgreement';

const L = (pairId: number, annotator: string, choice: Choice, responseMs: number): AgreementLabel => ({ pairId, annotator, choice, responseMs });

describe('runAgreement', () => {
  // Three annotators, five pairs ('ct' = cant_tell, treated as missing):
  //        p1  p2  p3  p4  p5
  //   a    L   L   E   R   -      response 1000 2000 3000 4000 -> median 2500
  //   b    L   R   E   ct  -      response  500  700  900 1100 -> median  800
  //   c    L   R   ct  -   L      response  300  600  900 1200 -> median  750
  const labels = [
    L(1, 'a', 'left', 1000), L(2, 'a', 'left', 2000), L(3, 'a', 'equal', 3000), L(4, 'a', 'right', 4000),
    L(1, 'b', 'left', 500), L(2, 'b', 'right', 700), L(3, 'b', 'equal', 900), L(4, 'b', 'cant_tell', 1100),
    L(1, 'c', 'left', 300), L(2, 'c', 'right', 600), L(3, 'c', 'cant_tell', 900), L(5, 'c', 'left', 1200),
  ];

  it('computes alpha, pairwise kappa, majority agreement and median times by hand', () => {
    const report = runAgreement(labels);
    expect(report.annotators).toBe(3);
    expect(report.labels).toBe(12);
    expect(report.cantTellExcluded).toBe(2);
    // Pairable units: p1 {L,L,L}, p2 {L,R,R}, p3 {E,E}; p4 and p5 have one answer each.
    // n = 8; n_L = 4, n_R = 2, n_E = 2. Disagreement: p2 has 9 - (1 + 4) = 4 ordered
    // disagreeing pairs, / (3 - 1) = 2. sum n_c n_k = 64 - 24 = 40. alpha = 1 - 7*2/40 = 0.65.
    expect(report.overlappingPairs).toBe(3);
    expect(report.alpha.alpha).toBeCloseTo(0.65, 12);
    // a-b share p1 (L,L), p2 (L,R), p3 (E,E): p_o = 2/3; a: L2 E1, b: L1 R1 E1;
    //   p_e = (2/3)(1/3) + (1/3)(1/3) = 1/3; kappa = (2/3 - 1/3)/(2/3) = 0.5.
    // a-c share p1 (L,L), p2 (L,R): p_o = 1/2; p_e = 1 * 1/2; kappa = 0.
    // b-c share p1 (L,L), p2 (R,R): p_o = 1; p_e = 1/4 + 1/4; kappa = 1.
    expect(report.pairwiseKappa.map((k) => [k.a, k.b, k.n])).toEqual([['a', 'b', 3], ['a', 'c', 2], ['b', 'c', 2]]);
    expect(report.pairwiseKappa[0]!.kappa).toBeCloseTo(0.5, 12);
    expect(report.pairwiseKappa[1]!.kappa).toBeCloseTo(0, 12);
    expect(report.pairwiseKappa[2]!.kappa).toBeCloseTo(1, 12);
    // Three annotators share pairs: no single Cohen's kappa.
    expect(report.kappa).toBeNull();
    // Leave-one-out majority: a: p1 {L,L} yes, p2 {R,R} no, p3 {E} yes, p4 {} skip -> 2/3.
    // b: p1 yes, p2 {L,R} tie skip, p3 {E} yes -> 2/2.  c: p1 yes, p2 tie skip -> 1/1.
    const by = Object.fromEntries(report.perAnnotator.map((p) => [p.annotator, p]));
    expect(by.a!.withMajority).toEqual({ compared: 3, agreed: 2, rate: 2 / 3 });
    expect(by.b!.withMajority).toEqual({ compared: 2, agreed: 2, rate: 1 });
    expect(by.c!.withMajority).toEqual({ compared: 1, agreed: 1, rate: 1 });
    expect([by.a!.medianResponseMs, by.b!.medianResponseMs, by.c!.medianResponseMs]).toEqual([2500, 800, 750]);
    expect([by.a!.cantTell, by.b!.cantTell, by.c!.cantTell]).toEqual([0, 1, 1]);
    expect(by.a!.withGold).toBeNull();
  });

  it('scores gold answers when given (the seam for gold pairs)', () => {
    // Gold: p1 left, p2 right. a: p1 yes, p2 no -> 1/2; b: 2/2; c: 2/2.
    const report = runAgreement(labels, new Map<number, Choice>([[1, 'left'], [2, 'right']]));
    expect(report.perAnnotator.map((p) => p.withGold)).toEqual([
      { compared: 2, agreed: 1, rate: 0.5 },
      { compared: 2, agreed: 2, rate: 1 },
      { compared: 2, agreed: 2, rate: 1 },
    ]);
  });

  it("reports Cohen's kappa when exactly two annotators overlap", () => {
    // Same ten units as the kappa test in statistics.test.ts: kappa = 0.29/0.59.
    const a = ['left', 'left', 'left', 'right', 'right', 'right', 'equal', 'left', 'right', 'left'] as const;
    const b = ['left', 'left', 'right', 'right', 'right', 'left', 'equal', 'left', 'right', 'right'] as const;
    const two = [...a.map((c, i) => L(i, 'x', c, 100)), ...b.map((c, i) => L(i, 'y', c, 100))];
    const report = runAgreement(two);
    expect(report.kappa?.kappa).toBeCloseTo(0.29 / 0.59, 12);
    expect(report.kappa?.n).toBe(10);
  });

  it('handles a run with no labels', () => {
    const report = runAgreement([]);
    expect(report).toMatchObject({ annotators: 0, labels: 0, overlappingPairs: 0, kappa: null, pairwiseKappa: [], perAnnotator: [] });
    expect(report.alpha.alpha).toBeNull();
  });
});
