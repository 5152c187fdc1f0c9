import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChannel } from '@/db/queries/notifications';
import { createTestDb, type TestDb } from '@/db/test-db';
import { ActionError } from '@/lib/auth/action-core';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { startHttpSink, type HttpSink } from '@/e2e/fixtures/notify-sinks';
import { openChannelConfig } from './channel-config';
import { channelViews, removeChannel, saveChannel, sendTestNotification, setChannelEnabled } from './channels';

const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let sink: HttpSink;
beforeAll(async () => {
  t = await createTestDb();
  sink = await startHttpSink();
});
afterAll(async () => {
  await sink.close();
  await t.close();
});

const fieldErrors = async (p: Promise<unknown>) => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ActionError);
  return (err as ActionError).fieldErrors ?? {};
};

describe('saving channels', () => {
  it('returns every field error at once: name, events and the kind’s settings', async () => {
    const errors = await fieldErrors(saveChannel(t.db, ring, { kind: 'webhook', name: ' ', url: 'ftp://x.test/' }));
    expect(Object.keys(errors).sort()).toEqual(['events', 'name', 'url']);
    expect(await fieldErrors(saveChannel(t.db, ring, { kind: 'pager', name: 'x', events: 'monitor.down' }))).toEqual({ kind: [expect.any(String)] });
    expect((await fieldErrors(saveChannel(t.db, ring, { kind: 'slack', name: 'x', events: ['monitor.down', 'coffee.ready'], url: 'https://h.test/x' }))).events).toBeDefined();
  });

  it('keeps stored secrets when an edit leaves them blank, and never shows them', async () => {
    const c = await saveChannel(t.db, ring, { kind: 'webhook', name: 'ci', events: 'monitor.down', url: `${sink.url}/secret-path-abcdef123`, headerName: 'X-Key', headerValue: 'header-secret-1' });
    const [view] = (await channelViews(t.db, ring)).filter((v) => v.id === c.id);
    expect(view).toMatchObject({ kind: 'webhook', target: `127.0.0.1:${sink.port}`, fields: { headerName: 'X-Key' }, storedSecrets: ['url', 'headerValue'] });
    expect(JSON.stringify(view)).not.toMatch(/secret-path|header-secret/);

    await saveChannel(t.db, ring, { id: c.id, kind: 'slack', name: 'ci renamed', events: ['monitor.down', 'monitor.up'], url: '', headerName: 'X-Key', headerValue: '' });
    const edited = (await findChannel(t.db, c.id))!;
    expect(edited).toMatchObject({ name: 'ci renamed', kind: 'webhook', events: ['monitor.down', 'monitor.up'] });
    expect(openChannelConfig(ring, edited)).toEqual({ kind: 'webhook', url: `${sink.url}/secret-path-abcdef123`, headerName: 'X-Key', headerValue: 'header-secret-1' });

    // Clearing the header name drops the kept header value with it; a new URL replaces the old one.
    await saveChannel(t.db, ring, { id: c.id, name: 'ci', events: 'monitor.down', url: `${sink.url}/new`, headerName: '', headerValue: '' });
    expect(openChannelConfig(ring, (await findChannel(t.db, c.id))!)).toEqual({ kind: 'webhook', url: `${sink.url}/new` });
  });

  it('enables, disables and deletes; a missing channel is an error the user can read', async () => {
    const c = await saveChannel(t.db, ring, { kind: 'discord', name: 'd', events: 'release.failed', url: `${sink.url}/d` });
    await setChannelEnabled(t.db, c.id, false);
    expect((await findChannel(t.db, c.id))!.enabled).toBe(false);
    await removeChannel(t.db, c.id);
    expect(await findChannel(t.db, c.id)).toBeUndefined();
    await expect(removeChannel(t.db, c.id)).rejects.toThrow(/no longer exists/);
    await expect(setChannelEnabled(t.db, c.id, true)).rejects.toThrow(/no longer exists/);
    await expect(saveChannel(t.db, ring, { id: c.id, name: 'd', events: 'release.failed', url: `${sink.url}/d` })).rejects.toThrow(/no longer exists/);
  });
});

describe('Send test', () => {
  it('sends right away, records success, then records a failure (redacted) on the channel', async () => {
    const c = await saveChannel(t.db, ring, { kind: 'slack', name: 's', events: 'monitor.down', url: `${sink.url}/services/T1/B1/testSecretZZZZZZZZ` });
    const now = new Date('2031-05-05T10:00:00Z');
    expect(await sendTestNotification(t.db, ring, c.id, { now, base: 'https://berth.test' })).toEqual({ ok: true });
    const got = await sink.waitFor((r) => r.path.endsWith('testSecretZZZZZZZZ'));
    expect((got.body as { text: string }).text).toMatch(/^\*Test notification from Berth\*\n.*"s".*\n<https:\/\/berth\.test\/alerts\|Open in Berth>$/s);
    expect((await findChannel(t.db, c.id))!).toMatchObject({ lastSentAt: now, lastError: null });

    sink.reply((r) => ({ status: 404, body: `no such hook ${r.path}` }));
    const failed = await sendTestNotification(t.db, ring, c.id, { now });
    sink.reply(undefined);
    expect(failed.ok).toBe(false);
    const error = (failed as { error: string }).error;
    expect(error).toMatch(/HTTP 404: no such hook/);
    expect(error).not.toContain('testSecretZZZZZZZZ');
    expect((await findChannel(t.db, c.id))!).toMatchObject({ lastError: error, lastErrorAt: now });
  });
});
