import { describe, expect, it } from 'vitest';
import { bradleyTerryLoss, bradleyTerryLossGrad, sigmoid, softplus } from './bradley-terry';

describe('Bradley-Terry loss', () => {
  it('matches the naive formula where that is stable', () => {
    for (const delta of [-3, -0.5, 0, 0.7, 4]) {
      for (const y of [0, 0.5, 1]) {
        const naive = -(y * Math.log(1 / (1 + Math.exp(-delta))) + (1 - y) * Math.log(1 / (1 + Math.exp(delta))));
        expect(bradleyTerryLoss(delta, y)).toBeCloseTo(naive, 12);
      }
    }
  });

  it('stays finite for huge margins', () => {
    expect(bradleyTerryLoss(1e4, 1)).toBeCloseTo(0, 12);
    expect(bradleyTerryLoss(1e4, 0)).toBeCloseTo(1e4, 6);
    expect(Number.isFinite(bradleyTerryLoss(-1e6, 1))).toBe(true);
    expect(sigmoid(-1000)).toBe(0);
    expect(softplus(-1000)).toBeGreaterThanOrEqual(0);
  });

  it('has gradient sig(delta) - y (central differences)', () => {
    const h = 1e-6;
    for (const delta of [-2.3, 0, 1.1]) {
      for (const y of [0, 0.5, 1]) {
        const fd = (bradleyTerryLoss(delta + h, y) - bradleyTerryLoss(delta - h, y)) / (2 * h);
        expect(bradleyTerryLossGrad(delta, y)).toBeCloseTo(fd, 7);
      }
    }
  });
});
