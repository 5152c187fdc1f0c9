import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  claimDueNotifications,
  deleteChannel,
  findChannel,
  findNotification,
  listChannels,
  pruneNotifications,
  updateChannel,
} from '@/db/queries/notifications';
import { notificationChannels } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { startHttpSink, startSmtpSink, type HttpSink, type SmtpSink } from '@/test-support/fixtures/notify-sinks';
import { saveChannel } from './channels';
import { BACKOFF_MS, KEEP_DELIVERIES_MS, MAX_ATTEMPTS, deliverDue, startNotifier } from './deliver';
import { notify } from './emit';

const ring = parseKeyRing(generateKeyText(1));
const TOKEN = '123456789:AAHsecretTelegramTokenPart_0123456789';
let t: TestDb;
let http: HttpSink;
let smtp: SmtpSink;

beforeAll(async () => {
  t = await createTestDb();
  http = await startHttpSink();
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await http.close();
  await smtp.close();
  await t.close();
});
beforeEach(async () => {
  for (const c of await listChannels(t.db)) await deleteChannel(t.db, c.id);
  http.requests.length = 0;
  http.reply(undefined);
  smtp.messages.length = 0;
});

const T0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const channel = (fields: Record<string, unknown>) =>
  saveChannel(t.db, ring, { events: ['release.failed', 'server.unreachable'], ...fields });
const event = {
  type: 'release.failed' as const,
  title: 'shop: Deploy #4 failed at step build',
  text: 'main (abc123)\ncomposer install exited 1',
  url: 'https://berth.test/apps/a/releases/r',
  appId: 'a',
  releaseId: 'r',
};

async function rowsOf(channelId: string) {
  const rows = await t.db.query.notifications.findMany({ where: (n, { eq }) => eq(n.channelId, channelId) });
  return rows;
}

describe('delivery to each kind, through real sinks', () => {
  it('sends the right payload to webhook, Slack, Discord, Telegram and email, and marks the rows and channels sent', async () => {
    const hook = await channel({
      kind: 'webhook',
      name: 'hook',
      url: `${http.url}/hook/wh-secret-path-0001`,
      headerName: 'X-Berth-Secret',
      headerValue: 'hdr-secret-value',
    });
    const slack = await channel({ kind: 'slack', name: 'slack', url: `${http.url}/services/T000/B000/slackSecretXXXXXXXX` });
    const discord = await channel({ kind: 'discord', name: 'discord', url: `${http.url}/api/webhooks/1/discordSecretYYYYYYYY` });
    const tg = await channel({ kind: 'telegram', name: 'tg', botToken: TOKEN, chatId: '-100200300', apiBase: http.url });
    const mail = await channel({
      kind: 'email',
      name: 'mail',
      host: smtp.host,
      port: String(smtp.port),
      security: 'none',
      from: 'berth@example.com',
      to: 'ops@example.com, oncall@example.com',
    });

    expect(await notify(t.db, { ...event, at: T0 })).toBe(5);
    expect(await deliverDue(t.db, ring, { now: () => at(0) })).toBe(5);

    const byPath = (p: string) => http.requests.find((r) => r.path === p)!;
    const w = byPath('/hook/wh-secret-path-0001');
    expect(w.headers['x-berth-secret']).toBe('hdr-secret-value');
    expect(w.headers['content-type']).toBe('application/json');
    expect(w.body).toEqual({ ...event, at: T0.toISOString() });
    expect(byPath('/services/T000/B000/slackSecretXXXXXXXX').body).toEqual({
      text: `*${event.title}*\nmain (abc123)\ncomposer install exited 1\n<${event.url}|Open in Berth>`,
    });
    expect(byPath('/api/webhooks/1/discordSecretYYYYYYYY').body).toEqual({
      content: `**${event.title}**\nmain (abc123)\ncomposer install exited 1\n<${event.url}>`,
      allowed_mentions: { parse: [] },
    });
    expect(byPath(`/bot${TOKEN}/sendMessage`).body).toEqual({
      chat_id: '-100200300',
      text: `${event.title}\nmain (abc123)\ncomposer install exited 1\n${event.url}`,
      disable_web_page_preview: true,
    });
    const m = await smtp.waitFor(() => true);
    expect(m.from).toBe('berth@example.com');
    expect(m.to).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(m.subject).toBe(`[Berth] ${event.title}`);
    expect(m.text).toContain('composer install exited 1');
    expect(m.text).toContain(event.url);
    expect(m.auth).toBeNull();

    for (const c of [hook, slack, discord, tg, mail]) {
      const [row] = await rowsOf(c.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
      expect((await findChannel(t.db, c.id))!.lastSentAt).toEqual(at(0));
    }
  });

  it('logs in to SMTP when a user is set', async () => {
    const authed = await startSmtpSink({ users: { alerts: 'smtp-pass-1234' } });
    try {
      await channel({
        kind: 'email',
        name: 'mail',
        host: authed.host,
        port: String(authed.port),
        security: 'none',
        user: 'alerts',
        password: 'smtp-pass-1234',
        from: 'berth@example.com',
        to: 'ops@example.com',
      });
      await notify(t.db, { ...event, at: T0 });
      await deliverDue(t.db, ring, { now: () => at(0) });
      expect((await authed.waitFor(() => true)).auth).toEqual({ user: 'alerts', password: 'smtp-pass-1234' });
    } finally {
      await authed.close();
    }
  });
});

describe('failures: retried with backoff, shown, then final', () => {
  it('retries a receiver that fails twice, shows the failure on the row and the channel, then sends and clears it', async () => {
    const flaky = await startHttpSink({ failFirst: 2 });
    try {
      const c = await channel({ kind: 'webhook', name: 'flaky', url: `${flaky.url}/in` });
      await notify(t.db, { ...event, at: T0 });
      expect(await deliverDue(t.db, ring, { now: () => at(0) })).toBe(1);
      let [row] = await rowsOf(c.id);
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row!.lastError).toMatch(/HTTP 500: sink: failing on purpose \(attempt 1 of 7\)/);
      expect(row!.nextAttemptAt).toEqual(at(BACKOFF_MS[0]));
      let ch = (await findChannel(t.db, c.id))!;
      expect(ch.lastError).toBe(row!.lastError);
      expect(ch.lastErrorAt).toEqual(at(0));

      // Not due yet: nothing is sent before the backoff runs out.
      expect(await deliverDue(t.db, ring, { now: () => at(BACKOFF_MS[0] - 1) })).toBe(0);
      expect(await deliverDue(t.db, ring, { now: () => at(BACKOFF_MS[0]) })).toBe(1);
      [row] = await rowsOf(c.id);
      expect(row).toMatchObject({ status: 'pending', attempts: 2 });
      expect(row!.nextAttemptAt).toEqual(at(BACKOFF_MS[0] + BACKOFF_MS[1]));

      const third = at(BACKOFF_MS[0] + BACKOFF_MS[1]);
      expect(await deliverDue(t.db, ring, { now: () => third })).toBe(1);
      [row] = await rowsOf(c.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 3, lastError: null, sentAt: third });
      ch = (await findChannel(t.db, c.id))!;
      expect(ch).toMatchObject({ lastError: null, lastErrorAt: null, lastSentAt: third });
      expect(flaky.requests).toHaveLength(3);
    } finally {
      await flaky.close();
    }
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts, with the waits 10 s, 30 s, 2 min, 10 min, 30 min, 1 h between them`, async () => {
    http.reply(() => ({ status: 503, body: 'down for maintenance' }));
    const c = await channel({ kind: 'slack', name: 'down', url: `${http.url}/services/x` });
    await notify(t.db, { ...event, at: T0 });
    let clock = 0;
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      expect(await deliverDue(t.db, ring, { now: () => at(clock) })).toBe(1);
      clock += BACKOFF_MS[i] ?? 0;
    }
    const [row] = await rowsOf(c.id);
    expect(row).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(row!.lastError).toMatch(/HTTP 503: down for maintenance \(gave up after 7 attempts\)/);
    expect((await findChannel(t.db, c.id))!.lastError).toBe(row!.lastError);
    expect(await deliverDue(t.db, ring, { now: () => at(clock + 10 * 3600_000) })).toBe(0);
    expect(http.requests).toHaveLength(MAX_ATTEMPTS);
  });

  it('enforces the timeout on a hanging receiver without holding up the others in the pass', async () => {
    const slow = await startHttpSink();
    slow.reply(() => ({ status: 200, delayMs: 5_000 }));
    try {
      const hung = await channel({ kind: 'webhook', name: 'slow', url: `${slow.url}/slow` });
      const fine = await channel({ kind: 'webhook', name: 'fine', url: `${http.url}/fine` });
      await notify(t.db, { ...event, at: T0 });
      const started = Date.now();
      await deliverDue(t.db, ring, { now: () => at(0), timeoutMs: 500 });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await rowsOf(hung.id))[0]!.lastError).toMatch(/127\.0\.0\.1:\d+ did not answer within 0\.5 s/);
      expect((await rowsOf(fine.id))[0]!.status).toBe('sent');
    } finally {
      await slow.close();
    }
  });

  it('does not follow a redirect (it could point anywhere, a metadata address included)', async () => {
    http.reply((r) =>
      r.path === '/moved' ? { status: 302, body: '', headers: { location: 'http://169.254.169.254/latest' } } : undefined,
    );
    const c = await channel({ kind: 'webhook', name: 'moved', url: `${http.url}/moved` });
    await notify(t.db, { ...event, at: T0 });
    await deliverDue(t.db, ring, { now: () => at(0) });
    expect((await rowsOf(c.id))[0]!.lastError).toMatch(/HTTP 302 \(redirects are not followed/);
    expect(http.requests).toHaveLength(1);
  });

  it('refuses to send mail in the clear when STARTTLS is required and the server does not offer it', async () => {
    const c = await channel({
      kind: 'email',
      name: 'tls',
      host: smtp.host,
      port: String(smtp.port),
      security: 'starttls',
      user: 'u',
      password: 'plain-secret-pw',
      from: 'b@example.com',
      to: 'o@example.com',
    });
    await notify(t.db, { ...event, at: T0 });
    await deliverDue(t.db, ring, { now: () => at(0) });
    const text = (await rowsOf(c.id))[0]!.lastError!;
    expect(text).toMatch(/STARTTLS/i);
    expect(text).not.toContain('plain-secret-pw');
    expect(smtp.messages).toHaveLength(0);
  });

  it('reports a receiver that is not listening', async () => {
    const gone = await startHttpSink();
    const url = `${gone.url}/x`;
    await gone.close();
    const c = await channel({ kind: 'discord', name: 'gone', url });
    await notify(t.db, { ...event, at: T0 });
    await deliverDue(t.db, ring, { now: () => at(0) });
    expect((await rowsOf(c.id))[0]!.lastError).toMatch(/ECONNREFUSED/);
  });
});

describe('secrets stay out of stored errors', () => {
  it('redacts a webhook URL and header value echoed back by the receiver', async () => {
    http.reply((r) => ({
      status: 400,
      body: `no hook at http://127.0.0.1${r.path} (header ${String(r.headers['x-token'])}, full ${http.url}${r.path})`,
    }));
    const c = await channel({
      kind: 'webhook',
      name: 'echo',
      url: `${http.url}/hooks/echoSecretPath-0042?key=qsecret123`,
      headerName: 'X-Token',
      headerValue: 'hdr-secret-echo',
    });
    await notify(t.db, { ...event, at: T0 });
    await deliverDue(t.db, ring, { now: () => at(0) });
    const [row] = await rowsOf(c.id);
    const ch = (await findChannel(t.db, c.id))!;
    for (const text of [row!.lastError!, ch.lastError!]) {
      expect(text).toMatch(/HTTP 400/);
      expect(text).toContain('[redacted]');
      for (const secret of ['echoSecretPath-0042', 'qsecret123', 'hdr-secret-echo']) expect(text).not.toContain(secret);
    }
  });

  it('redacts a Telegram bot token from a 401 answer', async () => {
    http.reply((r) => ({
      status: 401,
      body: JSON.stringify({ ok: false, error_code: 401, description: `Unauthorized: token ${TOKEN} rejected at ${r.path}` }),
    }));
    const c = await channel({ kind: 'telegram', name: 'tg', botToken: TOKEN, chatId: '@berth_alerts', apiBase: http.url });
    await notify(t.db, { ...event, at: T0 });
    await deliverDue(t.db, ring, { now: () => at(0) });
    const stored = [(await rowsOf(c.id))[0]!.lastError!, (await findChannel(t.db, c.id))!.lastError!];
    for (const text of stored) {
      expect(text).toMatch(/HTTP 401/);
      expect(text).not.toContain(TOKEN.split(':')[1]);
    }
  });

  it('keeps an SMTP password out of a failed login', async () => {
    const strict = await startSmtpSink({ users: { alerts: 'right-password' } });
    try {
      const c = await channel({
        kind: 'email',
        name: 'm',
        host: strict.host,
        port: String(strict.port),
        security: 'none',
        user: 'alerts',
        password: 'wrong-password-9',
        from: 'b@example.com',
        to: 'o@example.com',
      });
      await notify(t.db, { ...event, at: T0 });
      await deliverDue(t.db, ring, { now: () => at(0) });
      const text = (await rowsOf(c.id))[0]!.lastError!;
      expect(text).toMatch(/Invalid|535|auth/i);
      expect(text).not.toContain('wrong-password-9');
      expect(text).not.toContain(Buffer.from('wrong-password-9').toString('base64'));
    } finally {
      await strict.close();
    }
  });

  it('stores the config sealed: no URL or token in the row', async () => {
    const c = await channel({ kind: 'telegram', name: 'tg', botToken: TOKEN, chatId: '42', apiBase: http.url });
    const [raw] = await t.db.select().from(notificationChannels);
    expect(raw!.id).toBe(c.id);
    expect(raw!.configSealed).toMatch(/^berth:v1:/);
    expect(raw!.configSealed).not.toContain(TOKEN.split(':')[1]);
  });
});

describe('claiming and the loop', () => {
  it('sends each delivery once when two passes (two panel processes) run at the same time', async () => {
    await channel({ kind: 'webhook', name: 'a', url: `${http.url}/a` });
    await channel({ kind: 'webhook', name: 'b', url: `${http.url}/b` });
    for (let i = 0; i < 10; i++) await notify(t.db, { ...event, releaseId: `r${i}`, at: T0 });
    const counts = await Promise.all([
      deliverDue(t.db, ring, { now: () => at(0), batch: 3 }),
      deliverDue(t.db, ring, { now: () => at(0), batch: 3 }),
    ]);
    expect(counts[0] + counts[1]).toBe(20);
    expect(http.requests).toHaveLength(20);
    expect(new Set(http.requests.map((r) => `${r.path}:${(r.body as { releaseId: string }).releaseId}`)).size).toBe(20);
  });

  it('leases a claimed row: a second claim at the same moment gets nothing, and it is due again after the lease', async () => {
    const c = await channel({ kind: 'webhook', name: 'a', url: `${http.url}/a` });
    await notify(t.db, { ...event, at: T0 });
    const [claimed] = await claimDueNotifications(t.db, at(0), at(60_000), 10);
    expect(claimed!.channelId).toBe(c.id);
    expect(await claimDueNotifications(t.db, at(0), at(60_000), 10)).toHaveLength(0);
    // The claimer died: after the lease the row is sent by whoever polls next.
    expect(await deliverDue(t.db, ring, { now: () => at(60_000) })).toBe(1);
    expect((await findNotification(t.db, claimed!.id))!.status).toBe('sent');
  });

  it('startNotifier sends a queued event at once (kicked by notify), not at the next poll', async () => {
    await channel({ kind: 'webhook', name: 'live', url: `${http.url}/live` });
    const notifier = startNotifier(t.db, ring, { pollMs: 60_000 });
    try {
      await new Promise((r) => setTimeout(r, 100)); // the first pass (empty) is over
      await notify(t.db, { ...event });
      const got = await http.waitFor((r) => r.path === '/live', 3_000);
      expect((got.body as { title: string }).title).toBe(event.title);
    } finally {
      await notifier.stop();
    }
  });
});

describe('housekeeping', () => {
  it('drops what was queued for a channel disabled before it was sent, without blaming the channel', async () => {
    const c = await channel({ kind: 'webhook', name: 'off', url: `${http.url}/off` });
    await notify(t.db, { ...event, at: T0 });
    await updateChannel(t.db, c.id, { enabled: false });
    expect(await deliverDue(t.db, ring, { now: () => at(0) })).toBe(1);
    expect((await rowsOf(c.id))[0]).toMatchObject({ status: 'failed', attempts: 0, lastError: 'Not sent: the channel was disabled.' });
    expect((await findChannel(t.db, c.id))!.lastError).toBeNull();
    expect(http.requests).toHaveLength(0);
  });

  it('prunes finished deliveries after 30 days and keeps pending ones', async () => {
    const c = await channel({ kind: 'webhook', name: 'old', url: `${http.url}/old` });
    await notify(t.db, { ...event, releaseId: 'old-sent', at: T0 });
    await deliverDue(t.db, ring, { now: () => at(0) });
    await notify(t.db, { ...event, releaseId: 'old-pending', at: T0 });
    expect(await pruneNotifications(t.db, at(KEEP_DELIVERIES_MS + 1))).toBe(1);
    expect((await rowsOf(c.id)).map((r) => r.event.releaseId)).toEqual(['old-pending']);
  });
});
