import { describe, expect, it } from 'vitest';
import { tuningHint, type HintInput } from './hint';

const now = new Date('2026-05-01T12:30:00Z');
const hour = (h: number) => Date.parse('2026-05-01T00:00:00Z') + h * 3_600_000;
const base: Omit<HintInput, 'buckets'> = {
  slug: 'shop',
  maxChildren: 5,
  memoryLimitMb: 256,
  servers: [
    { id: 's1', name: 'web-1', memoryMb: 4096 },
    { id: 's2', name: 'web-2', memoryMb: 1024 },
    { id: 's3', name: 'web-3', memoryMb: null },
  ],
  now,
};

describe('tuningHint', () => {
  it('says nothing for a quiet pool or a single spike', () => {
    expect(tuningHint({ ...base, buckets: [] })).toBeNull();
    expect(tuningHint({ ...base, buckets: [{ serverId: 's1', t: hour(10), maxChildrenReached: 0 }] })).toBeNull();
    expect(tuningHint({ ...base, buckets: [{ serverId: 's1', t: hour(10), maxChildrenReached: 4 }] })).toBeNull();
    // Two hours, 2 times: not yet "repeatedly".
    expect(
      tuningHint({
        ...base,
        buckets: [
          { serverId: 's1', t: hour(9), maxChildrenReached: 1 },
          { serverId: 's1', t: hour(10), maxChildrenReached: 1 },
        ],
      }),
    ).toBeNull();
  });

  it('fires on 3 distinct hours, with the worst-case memory arithmetic when it fits', () => {
    const buckets = [9, 10, 11].map((h) => ({ serverId: 's1', t: hour(h), maxChildrenReached: 1 }));
    const hint = tuningHint({ ...base, buckets })!;
    expect(hint).toMatchObject({ serverName: 'web-1', reached: 3, hours: 3 });
    expect(hint.text).toContain('pm.max_children (5) was reached 3 times in 24 h on web-1 (in 3 different hours)');
    expect(hint.text).toContain('web-1 has 4096 MB, enough for 16 workers');
    expect(hint.text).toContain('/var/log/berth/shop/fpm-slow.log');
  });

  it('fires on 5 times within one hour, and says so when memory does not cover more workers', () => {
    const hint = tuningHint({ ...base, buckets: [{ serverId: 's2', t: hour(11), maxChildrenReached: 5 }] })!;
    expect(hint.text).toContain('reached 5 times in 24 h on web-2 (within one hour)');
    expect(hint.text).toContain('web-2 has 1024 MB, which covers only 4 workers');
  });

  it('does not invent figures for a server whose memory is unknown', () => {
    const hint = tuningHint({ ...base, buckets: [{ serverId: 's3', t: hour(11), maxChildrenReached: 7 }] })!;
    expect(hint.text).toContain('Raise it if web-3 has memory to spare');
    expect(hint.text).not.toMatch(/\d+ workers/);
  });

  it('ignores buckets older than 24 h and names the server with the most', () => {
    const old = [1, 2, 3].map((d) => ({ serverId: 's1', t: hour(-24 * d), maxChildrenReached: 9 }));
    expect(tuningHint({ ...base, buckets: old })).toBeNull();
    const hint = tuningHint({
      ...base,
      buckets: [...old, { serverId: 's1', t: hour(10), maxChildrenReached: 5 }, { serverId: 's2', t: hour(10), maxChildrenReached: 8 }],
    })!;
    expect(hint.serverName).toBe('web-2');
    expect(hint.reached).toBe(8);
  });
});
