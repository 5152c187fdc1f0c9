import { describe, expect, it } from 'vitest';
import { fittingRange } from './fitting-range';

const now = new Date('2026-12-07T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe('fittingRange', () => {
  it('opens a new app on the shortest range that holds its data', () => {
    expect(fittingRange(null, now)).toBe('1h');
    expect(fittingRange(ago(20 * 60), now)).toBe('1h');
    expect(fittingRange(ago(3600), now)).toBe('1h');
    expect(fittingRange(ago(3601), now)).toBe('24h');
    expect(fittingRange(ago(3 * 86_400), now)).toBe('7d');
    expect(fittingRange(ago(8 * 86_400), now)).toBe('30d');
  });

  it('caps at the longest range, and treats a clock-skewed future point as new', () => {
    expect(fittingRange(ago(400 * 86_400), now)).toBe('30d');
    expect(fittingRange(ago(-60), now)).toBe('1h');
  });
});
