import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentsOf } from '@/db/queries/incidents';
import { findMonitor } from '@/db/queries/monitors';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { receivePing, revealHeartbeatUrl } from './heartbeat';
import { goDown } from './incidents';
import { monitorInput } from './input';
import { createMonitor, editAutoMonitor, editMonitor, pauseMonitor, removeMonitor } from './manage';
import { addMonitor, httpMonitor } from '@/test-support/monitor-fixtures';

const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

describe('managing monitors', () => {
  it('a heartbeat gets a sealed token whose URL pings it; an HTTP monitor has none', async () => {
    const hb = await createMonitor(t.db, ring, monitorInput.parse({ kind: 'heartbeat', name: 'backup', intervalS: '3600', graceS: '60' }));
    const url = revealHeartbeatUrl(ring, 'https://berth.test', hb)!;
    expect(url).toMatch(/^https:\/\/berth\.test\/api\/heartbeat\/[A-Za-z0-9_-]{43}$/);
    expect(hb.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await receivePing({ db: t.db, publicUrl: 'https://berth.test' }, url.split('/').at(-1)!)).toBe('ok');
    // Another row's token cannot be opened with this row's identity.
    expect(revealHeartbeatUrl(ring, 'https://berth.test', { id: crypto.randomUUID(), tokenSealed: hb.tokenSealed })).toBeNull();

    const http = await createMonitor(
      t.db,
      ring,
      monitorInput.parse({ kind: 'http', name: 'shop', url: 'http://127.0.0.1/', intervalS: '30' }),
    );
    expect(http).toMatchObject({ tokenHash: null, tokenSealed: null, state: 'pending', intervalS: 30 });
  });

  it('the kind cannot change on edit', async () => {
    const m = await createMonitor(t.db, ring, monitorInput.parse({ kind: 'http', name: 'a', url: 'http://127.0.0.1/' }));
    await expect(editMonitor(t.db, m.id, monitorInput.parse({ kind: 'heartbeat', name: 'a', intervalS: '60' }))).rejects.toThrow(
      'kind cannot change',
    );
  });

  it('auto monitors: target edits and deletion are refused, timing edits are kept', async () => {
    const m = await addMonitor(t.db, httpMonitor('http://shop.test/', { autoKey: `app:x:server:y:domain:${crypto.randomUUID()}` }));
    await expect(editMonitor(t.db, m.id, monitorInput.parse({ kind: 'http', name: 'mine', url: 'http://evil.test/' }))).rejects.toThrow(
      'manages this check',
    );
    await expect(removeMonitor(t.db, m.id)).rejects.toThrow('pause it instead');
    await editAutoMonitor(t.db, m.id, { intervalS: 120, timeoutMs: 5000, retries: 2, paused: false });
    expect(await findMonitor(t.db, m.id)).toMatchObject({ url: 'http://shop.test/', intervalS: 120, retries: 2 });
  });

  it('pausing closes an open incident; resuming starts from pending', async () => {
    const m = await addMonitor(t.db, httpMonitor('http://127.0.0.1:9/'));
    await goDown({ db: t.db, publicUrl: 'https://berth.test' }, m, new Date(), 'connection refused');
    await pauseMonitor(t.db, m.id, true);
    expect(await findMonitor(t.db, m.id)).toMatchObject({ paused: true, state: 'paused' });
    const [incident] = await incidentsOf(t.db, m.id);
    expect(incident!.endedAt).not.toBeNull();
    expect(incident!.timeline.at(-1)).toMatchObject({ event: 'closed', detail: 'monitor paused' });
    await pauseMonitor(t.db, m.id, false);
    expect(await findMonitor(t.db, m.id)).toMatchObject({ paused: false, state: 'pending' });
    await removeMonitor(t.db, m.id);
    expect(await findMonitor(t.db, m.id)).toBeUndefined();
    await expect(pauseMonitor(t.db, m.id, true)).rejects.toThrow('no longer exists');
  });
});
