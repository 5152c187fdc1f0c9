import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChannel, recentDeliveries } from '@/db/queries/notifications';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { ActionError } from '@/lib/auth/action-core';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { startHttpSink, type HttpSink } from '@/test-support/fixtures/notify-sinks';
import { openChannelConfig } from './channel-config';
import { deliverDue } from './deliver';
import { notify } from './emit';
import { RETYPE_SECRET, channelViews, removeChannel, saveChannel, sendTestNotification, setChannelEnabled } from './channels';

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
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ActionError);
  return (err as ActionError).fieldErrors ?? {};
};

describe('saving channels', () => {
  it('returns every field error at once: name, events and the kind’s settings', async () => {
    const errors = await fieldErrors(saveChannel(t.db, ring, { kind: 'webhook', name: ' ', url: 'ftp://x.test/' }));
    expect(Object.keys(errors).sort()).toEqual(['events', 'name', 'url']);
    expect(await fieldErrors(saveChannel(t.db, ring, { kind: 'pager', name: 'x', events: 'monitor.down' }))).toEqual({
      kind: [expect.any(String)],
    });
    expect(
      (
        await fieldErrors(
          saveChannel(t.db, ring, { kind: 'slack', name: 'x', events: ['monitor.down', 'coffee.ready'], url: 'https://h.test/x' }),
        )
      ).events,
    ).toBeDefined();
  });

  it('keeps stored secrets when an edit leaves them blank, and never shows them', async () => {
    const c = await saveChannel(t.db, ring, {
      kind: 'webhook',
      name: 'ci',
      events: 'monitor.down',
      url: `${sink.url}/secret-path-abcdef123`,
      headerName: 'X-Key',
      headerValue: 'header-secret-1',
    });
    const [view] = (await channelViews(t.db, ring, { manage: true })).filter((v) => v.id === c.id);
    expect(view).toMatchObject({
      kind: 'webhook',
      target: `127.0.0.1:${sink.port}`,
      fields: { headerName: 'X-Key' },
      storedSecrets: ['url', 'headerValue'],
    });
    expect(JSON.stringify(view)).not.toMatch(/secret-path|header-secret/);

    await saveChannel(t.db, ring, {
      id: c.id,
      kind: 'slack',
      name: 'ci renamed',
      events: ['monitor.down', 'monitor.up'],
      url: '',
      headerName: 'X-Key',
      headerValue: '',
    });
    const edited = (await findChannel(t.db, c.id))!;
    expect(edited).toMatchObject({ name: 'ci renamed', kind: 'webhook', events: ['monitor.down', 'monitor.up'] });
    expect(openChannelConfig(ring, edited)).toEqual({
      kind: 'webhook',
      url: `${sink.url}/secret-path-abcdef123`,
      headerName: 'X-Key',
      headerValue: 'header-secret-1',
    });

    // Clearing the header name drops the kept header value with it; a new URL replaces the old one.
    await saveChannel(t.db, ring, {
      id: c.id,
      name: 'ci',
      events: 'monitor.down',
      url: `${sink.url}/new`,
      headerName: '',
      headerValue: '',
    });
    expect(openChannelConfig(ring, (await findChannel(t.db, c.id))!)).toEqual({ kind: 'webhook', url: `${sink.url}/new` });
  });

  it('asks for every secret again when the destination changes, for each kind', async () => {
    const reopen = async (id: string) => openChannelConfig(ring, (await findChannel(t.db, id))!);
    const TOKEN = '123456789:AAHsecretTelegramTokenPart_0123456789';
    const base = { name: 'x', events: 'monitor.down' };

    // Telegram: a new API base with the token left blank would send the stored token there.
    const tg = await saveChannel(t.db, ring, { ...base, kind: 'telegram', botToken: TOKEN, chatId: '42', apiBase: '' });
    expect(
      await fieldErrors(saveChannel(t.db, ring, { ...base, id: tg.id, botToken: '', chatId: '42', apiBase: 'https://attacker.test' })),
    ).toEqual({ botToken: [RETYPE_SECRET] });
    // Same base written differently (default spelled out, trailing slash) is not a change; a new chat id is not either.
    await saveChannel(t.db, ring, { ...base, id: tg.id, botToken: '', chatId: '43', apiBase: 'https://api.telegram.org/' });
    expect(await reopen(tg.id)).toMatchObject({ botToken: TOKEN, chatId: '43', apiBase: 'https://api.telegram.org' });
    // Typed again, the move goes through.
    await saveChannel(t.db, ring, { ...base, id: tg.id, botToken: TOKEN, chatId: '43', apiBase: 'https://tg-proxy.test' });
    expect(await reopen(tg.id)).toMatchObject({ botToken: TOKEN, apiBase: 'https://tg-proxy.test' });

    // Email: host, port or security changed with the password blank.
    const mail = {
      ...base,
      kind: 'email',
      host: 'smtp.example.com',
      port: '587',
      security: 'starttls',
      user: 'bot',
      from: 'b@example.com',
      to: 'o@example.com',
    };
    const em = await saveChannel(t.db, ring, { ...mail, password: 'smtp-secret-pw' });
    for (const moved of [{ host: 'smtp.attacker.test' }, { port: '2525' }, { security: 'none' }]) {
      expect(await fieldErrors(saveChannel(t.db, ring, { ...mail, ...moved, id: em.id, password: '' }))).toEqual({
        password: [RETYPE_SECRET],
      });
    }
    await saveChannel(t.db, ring, { ...mail, id: em.id, host: 'SMTP.example.com', port: ' 587 ', to: 'p@example.com', password: '' });
    expect(await reopen(em.id)).toMatchObject({ host: 'SMTP.example.com', password: 'smtp-secret-pw', to: ['p@example.com'] });
    await saveChannel(t.db, ring, { ...mail, id: em.id, host: 'smtp2.example.com', password: 'new-pw-2' });
    expect(await reopen(em.id)).toMatchObject({ host: 'smtp2.example.com', password: 'new-pw-2' });

    // Webhook: a new URL with the header kept would send the header value to it. A URL left blank, or typed as it was, keeps it.
    const hook = { ...base, kind: 'webhook', headerName: 'X-Key' };
    const wh = await saveChannel(t.db, ring, { ...hook, url: `${sink.url}/hook-a`, headerValue: 'hdr-secret-2' });
    expect(await fieldErrors(saveChannel(t.db, ring, { ...hook, id: wh.id, url: 'https://attacker.test/in', headerValue: '' }))).toEqual({
      headerValue: [RETYPE_SECRET],
    });
    await saveChannel(t.db, ring, { ...hook, id: wh.id, url: '', headerValue: '' });
    await saveChannel(t.db, ring, { ...hook, id: wh.id, url: `${sink.url}/hook-a`, headerValue: '' });
    expect(await reopen(wh.id)).toEqual({ kind: 'webhook', url: `${sink.url}/hook-a`, headerName: 'X-Key', headerValue: 'hdr-secret-2' });

    // Slack and Discord: the URL is the only secret; a new one is typed by definition, a blank one is kept.
    for (const kind of ['slack', 'discord']) {
      const c = await saveChannel(t.db, ring, { ...base, kind, url: `${sink.url}/${kind}-1` });
      await saveChannel(t.db, ring, { ...base, id: c.id, url: '' });
      expect(await reopen(c.id)).toEqual({ kind, url: `${sink.url}/${kind}-1` });
      await saveChannel(t.db, ring, { ...base, id: c.id, url: `${sink.url}/${kind}-2` });
      expect(await reopen(c.id)).toEqual({ kind, url: `${sink.url}/${kind}-2` });
    }
  });

  it('gives viewers a summary without the settings: name, kind, host, events, status, last sent and error', async () => {
    const email = await saveChannel(t.db, ring, {
      kind: 'email',
      name: 'mail',
      events: 'release.failed',
      host: 'smtp.example.com',
      port: '587',
      security: 'starttls',
      user: 'smtp-user-name',
      password: 'smtp-pw-9',
      from: 'berth@example.com',
      to: 'oncall-person@example.com',
    });
    const tg = await saveChannel(t.db, ring, {
      kind: 'telegram',
      name: 'tg',
      events: 'monitor.down',
      botToken: '123456789:AAHsecretTelegramTokenPart_0123456789',
      chatId: '-100777',
      apiBase: 'https://tg-relay.example.net',
    });
    const hook = await saveChannel(t.db, ring, {
      kind: 'webhook',
      name: 'hook',
      events: 'monitor.down',
      url: `${sink.url}/hidden-path-123`,
      headerName: 'X-Private-Header',
      headerValue: 'hv-secret-9',
    });
    const views = await channelViews(t.db, ring, { manage: false });
    const byId = (id: string) => views.find((v) => v.id === id)!;
    const keys = ['enabled', 'events', 'id', 'kind', 'lastError', 'lastErrorAt', 'lastSentAt', 'name', 'target', 'unreadable'];
    for (const v of views) expect(Object.keys(v).sort()).toEqual(keys);
    expect(byId(email.id)).toMatchObject({
      name: 'mail',
      kind: 'email',
      target: 'smtp.example.com:587',
      events: ['release.failed'],
      enabled: true,
      lastSentAt: null,
    });
    expect(byId(tg.id).target).toBe('tg-relay.example.net');
    expect(byId(hook.id).target).toBe(`127.0.0.1:${sink.port}`);
    const shown = JSON.stringify(views);
    for (const hidden of [
      'smtp-user-name',
      'oncall-person',
      'berth@example.com',
      '-100777',
      'X-Private-Header',
      'hidden-path',
      'smtp-pw-9',
      'hv-secret-9',
      'AAHsecret',
    ])
      expect(shown).not.toContain(hidden);

    // Admins get what the edit form needs (still no secret).
    const admin = (await channelViews(t.db, ring, { manage: true })).find((v) => v.id === email.id)!;
    expect(admin).toMatchObject({
      target: 'oncall-person@example.com via smtp.example.com:587',
      fields: { user: 'smtp-user-name', to: 'oncall-person@example.com' },
      storedSecrets: ['password'],
    });
    expect(JSON.stringify(admin)).not.toContain('smtp-pw-9');
  });

  it('enables, disables and deletes; a missing channel is an error the user can read', async () => {
    const c = await saveChannel(t.db, ring, { kind: 'discord', name: 'd', events: 'release.failed', url: `${sink.url}/d` });
    await setChannelEnabled(t.db, c.id, false);
    expect((await findChannel(t.db, c.id))!.enabled).toBe(false);
    await removeChannel(t.db, c.id);
    expect(await findChannel(t.db, c.id)).toBeUndefined();
    await expect(removeChannel(t.db, c.id)).rejects.toThrow(/no longer exists/);
    await expect(setChannelEnabled(t.db, c.id, true)).rejects.toThrow(/no longer exists/);
    await expect(saveChannel(t.db, ring, { id: c.id, name: 'd', events: 'release.failed', url: `${sink.url}/d` })).rejects.toThrow(
      /no longer exists/,
    );
  });
});

describe('Send test', () => {
  it('sends right away, records success, then records a failure (redacted) on the channel', async () => {
    const c = await saveChannel(t.db, ring, {
      kind: 'slack',
      name: 's',
      events: 'monitor.down',
      url: `${sink.url}/services/T1/B1/testSecretZZZZZZZZ`,
    });
    const now = new Date('2031-05-05T10:00:00Z');
    expect(await sendTestNotification(t.db, ring, c.id, { now, base: 'https://berth.test' })).toEqual({ ok: true });
    const got = await sink.waitFor((r) => r.path.endsWith('testSecretZZZZZZZZ'));
    expect((got.body as { text: string }).text).toMatch(
      /^\*Test notification from Berth\*\n.*"s".*\n<https:\/\/berth\.test\/alerts\|Open in Berth>$/s,
    );
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

  it('lists each test send under Recent deliveries, marked as a test, final, and outside the repeat windows of alerts', async () => {
    const c = await saveChannel(t.db, ring, { kind: 'webhook', name: 'tested', events: 'server.unreachable', url: `${sink.url}/tested` });
    const mine = async () => (await recentDeliveries(t.db, 50)).filter((d) => d.channelId === c.id);
    const ok = new Date('2031-06-01T10:00:00Z');
    expect(await sendTestNotification(t.db, ring, c.id, { now: ok })).toEqual({ ok: true });
    sink.reply(() => ({ status: 500, body: 'receiver down' }));
    const bad = new Date('2031-06-01T10:01:00Z');
    expect((await sendTestNotification(t.db, ring, c.id, { now: bad })).ok).toBe(false);
    sink.reply(undefined);

    expect(await mine()).toEqual([
      expect.objectContaining({
        status: 'failed',
        attempts: 1,
        lastError: expect.stringMatching(/HTTP 500: receiver down/),
        createdAt: bad,
      }),
      expect.objectContaining({ status: 'sent', attempts: 1, lastError: null, createdAt: ok, sentAt: ok, channelName: 'tested' }),
    ]);
    expect((await mine()).map((d) => d.event.type)).toEqual(['test', 'test']);
    // Nothing to retry: the delivery loop finds no due row.
    expect(await deliverDue(t.db, ring, { now: () => new Date('2031-06-01T11:00:00Z') })).toBe(0);
    // A real alert right after is queued, not held back as a repeat of the test.
    expect(
      await notify(t.db, { type: 'server.unreachable', title: 'x', text: 'y', serverId: 's', at: new Date('2031-06-01T10:02:00Z') }),
    ).toBe(1);
  });
});
