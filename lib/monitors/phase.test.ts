import { describe, expect, it } from 'vitest';
import { DueHeap } from './due-heap';
import { nextPlanned, phaseMs } from './phase';

describe('check phases', () => {
  it('spread 2,000 monitors over a 60 s interval: no second gets more than ~2x the average', () => {
    const perSecond = new Array(60).fill(0);
    for (let i = 0; i < 2000; i++) perSecond[Math.floor(phaseMs(crypto.randomUUID(), 60_000) / 1000)]++;
    const average = 2000 / 60;
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(2 * average);
    expect(Math.min(...perSecond)).toBeGreaterThan(0);
  });

  it('are stable across restarts (same id, same phase) and next planned times stay on the beat', () => {
    const id = crypto.randomUUID();
    expect(phaseMs(id, 60_000)).toBe(phaseMs(id, 60_000));
    const phase = phaseMs(id, 60_000);
    const t = nextPlanned(1_700_000_123_456, 60_000, phase);
    expect(t).toBeGreaterThanOrEqual(1_700_000_123_456);
    expect(t - 1_700_000_123_456).toBeLessThan(60_000);
    expect(((t % 60_000) + 60_000) % 60_000).toBe(phase);
    expect(nextPlanned(t, 60_000, phase)).toBe(t);
  });

  it('the heap pops in due order', () => {
    const heap = new DueHeap<number>();
    const dues = Array.from({ length: 500 }, () => Math.floor(Math.random() * 1e6));
    for (const d of dues) heap.push(d, d);
    const out: number[] = [];
    while (heap.size) out.push(heap.pop()!.due);
    expect(out).toEqual([...dues].sort((a, b) => a - b));
  });
});
