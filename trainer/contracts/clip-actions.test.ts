import { describe, expect, it } from 'vitest';
import { discreteActions, isContinuousActions } from './clip-actions';

describe('ClipActions', () => {
  it('tells vectors from indices, and discreteActions refuses vectors naming the caller', () => {
    expect(isContinuousActions([[0.5, -1], [0, 0]])).toBe(true);
    expect(isContinuousActions([0, 2, 1])).toBe(false);
    expect(isContinuousActions([])).toBe(false);
    expect(discreteActions([3, 1], 'here')).toEqual([3, 1]);
    expect(() => discreteActions([[0.5]], 'the inspector')).toThrow(/the inspector handles discrete-action clips only/);
  });
});
