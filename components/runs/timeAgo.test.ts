import { describe, expect, it } from 'vitest';
import { timeAgo } from './timeAgo';

describe('timeAgo', () => {
  const now = Date.UTC(2025, 0, 10, 12, 0, 0);
  it('rounds to the coarsest unit that fits', () => {
    expect(timeAgo(now - 2_000, now)).toBe('just now');
    expect(timeAgo(now - 42_400, now)).toBe('42 s ago');
    expect(timeAgo(now - 5 * 60_000 - 59_000, now)).toBe('5 min ago');
    expect(timeAgo(now - 3 * 3_600_000, now)).toBe('3 h ago');
    expect(timeAgo(now - 3 * 86_400_000, now)).toBe('3 d ago');
  });
  it('treats a clock slightly ahead of ours as now', () => {
    expect(timeAgo(now + 3_000, now)).toBe('just now');
  });
});
