import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('grants up to its permits, then queues in order', async () => {
    const s = new Semaphore(2);
    const a = await s.acquire();
    const b = await s.acquire();
    const order: string[] = [];
    const c = s.acquire().then((r) => {
      order.push('c');
      return r;
    });
    const d = s.acquire().then((r) => {
      order.push('d');
      return r;
    });
    expect([s.inUse, s.queued]).toEqual([2, 2]);
    a();
    a(); // a second release of the same permit changes nothing
    const releaseC = await c;
    expect(order).toEqual(['c']);
    b();
    (await d)();
    releaseC();
    expect([s.inUse, s.queued]).toEqual([0, 0]);
  });

  it('an aborted wait leaves the queue and rejects with the reason', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    expect(s.queued).toBe(0);
    held();
    expect(s.inUse).toBe(0);
    await expect(s.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
