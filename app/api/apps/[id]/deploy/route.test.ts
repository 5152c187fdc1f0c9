import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '@/db/queries/audit';
import { insertRelease, updateRelease } from '@/db/queries/releases';
import { insertUser } from '@/db/queries/users';
import { saveWebhook } from '@/db/queries/webhooks';
import { apps, releases, webhookDeliveries, type App } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { readEnv } from '@/lib/config/env';
import { setRuntime } from '@/lib/runtime';
import { receiveDelivery, REPLAYED, type DeliveryDeps } from '@/lib/releases/webhook-delivery';
import { generateWebhookSecret, sealWebhookSecret, signBody } from '@/lib/releases/webhook';
import { POST } from './route';

// The domain rules on a real (embedded) database; the queue itself runs for real in e2e/webhook.spec.ts.
let t: TestDb;
let app: App;
let bare: App;
const ring = parseKeyRing(generateKeyText(1));
const secret = generateWebhookSecret();
const queued: { payload: JobPayload; key: string }[] = [];
const NOW = new Date('2026-05-01T12:00:00Z');
const deps = (): DeliveryDeps => ({
  db: t.db,
  ring,
  enqueue: async (payload, key) => {
    queued.push({ payload, key });
    return 'job';
  },
  publicUrl: 'https://berth.test',
  ip: '203.0.113.9',
  now: () => NOW,
});
const body = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify({ timestamp: NOW.getTime() / 1000, ...fields }));
const deliver = (b: Buffer, signature: string | null = signBody(secret, b), key = app.id) => receiveDelivery(deps(), key, b, signature);
const releasesOf = async (appId: string) => t.db.select().from(releases).where(eq(releases.appId, appId));
const deliveries = async () => t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.appId, app.id));
const lastAudit = async () => (await listAuditEvents(t.db, { action: 'release.webhook', limit: 1 }))[0]!;
const config = (slug: string, repository?: string) =>
  appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`], ...(repository && { repository }) });

beforeAll(async () => {
  t = await createTestDb();
  // No servers needed: the release is only queued here.
  const insert = async (slug: string, name: string, repository?: string) =>
    (
      await t.db
        .insert(apps)
        .values({ slug, name, config: config(slug, repository) })
        .returning()
    )[0]!;
  app = await insert('shop', 'Shop', '/srv/git/shop.git');
  bare = await insert('bare', 'Bare');
  await saveWebhook(t.db, app.id, sealWebhookSecret(ring, app.id, secret));
});
afterAll(async () => t.close());

describe('a webhook delivery', () => {
  it('is refused with 401 for a bad or missing signature, and nothing is written', async () => {
    const b = body({ branch: 'main' });
    const forged = await deliver(b, signBody('not the secret', b));
    expect(forged).toMatchObject({ status: 401, body: { error: expect.stringContaining('does not match') } });
    expect(await deliver(b, null)).toMatchObject({ status: 401, body: { error: expect.stringContaining('Missing X-Hub-Signature-256') } });
    // A signature for other bytes (a re-serialized body) does not pass either.
    expect((await deliver(Buffer.from(`${b.toString()} `), signBody(secret, b))).status).toBe(401);
    expect(await releasesOf(app.id)).toEqual([]);
    expect(await deliveries()).toEqual([]);
    const audit = await lastAudit();
    expect(audit).toMatchObject({ outcome: 'denied', reason: 'bad signature', target: `app:${app.id}`, ip: '203.0.113.9' });
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('answers 404 alike for an unknown app and an app without a webhook', async () => {
    const b = body({ branch: 'main' });
    const unknown = await deliver(b, signBody(secret, b), '00000000-0000-4000-8000-000000000000');
    const noHook = await deliver(b, signBody(secret, b), bare.id);
    expect(unknown).toEqual({ status: 404, body: { error: 'No deploy webhook at this address.' } });
    expect(noHook).toEqual(unknown);
    expect((await lastAudit()).reason).toBe('no webhook secret');
  });

  it('refuses a stale timestamp with 401 naming the clock window', async () => {
    const stale = body({ branch: 'main', timestamp: NOW.getTime() / 1000 - 301 });
    const answer = await deliver(stale);
    expect(answer).toMatchObject({ status: 401, body: { error: expect.stringMatching(/301 s away.*within 5 minutes/) } });
    expect(await releasesOf(app.id)).toEqual([]);
    expect(await deliveries()).toEqual([]);
    expect(await lastAudit()).toMatchObject({ outcome: 'denied', reason: 'stale timestamp', details: { ref: 'main' } });
  });

  it('answers 400 listing every problem of a signed but invalid body', async () => {
    const answer = await deliver(Buffer.from('{"sha":"nope","branch":"main"}'));
    expect(answer).toMatchObject({
      status: 400,
      body: { problems: { sha: [expect.any(String)], timestamp: [expect.any(String)], ref: ['Send "branch" or "sha", not both'] } },
    });
  });

  it('is accepted with 202 and the release id, queues a webhook release once, and refuses the same delivery again with 409', async () => {
    const b = body({ branch: 'main', id: 'ci-run-1' });
    const answer = await receiveDelivery(deps(), 'shop', b, signBody(secret, b).toUpperCase().replace('SHA256=', 'sha256=')); // the slug works too
    expect(answer.status).toBe(202);
    const { release, url } = answer.body as { release: string; url: string };
    expect(url).toBe(`https://berth.test/apps/${app.id}/releases/${release}`);
    const rows = await releasesOf(app.id);
    expect(rows).toEqual([
      expect.objectContaining({ id: release, status: 'queued', trigger: 'webhook', ref: 'main', kind: 'deploy', requestedBy: null }),
    ]);
    expect(queued.at(-1)).toEqual({ payload: { kind: 'release', releaseId: release }, key: `app:${app.id}` });
    expect(await deliveries()).toEqual([expect.objectContaining({ signature: signBody(secret, b), releaseId: release })]);
    expect(await lastAudit()).toMatchObject({
      outcome: 'success',
      actorEmail: 'webhook',
      details: { ref: 'main', delivery: 'ci-run-1', release },
    });

    // The same bytes (in whichever hex case) are a replay, even once the release is over.
    await updateRelease(t.db, release, { status: 'succeeded', finishedAt: new Date() });
    expect(await deliver(b)).toEqual({ status: 409, body: { error: REPLAYED } });
    expect(await releasesOf(app.id)).toHaveLength(1);
    expect(await lastAudit()).toMatchObject({ outcome: 'failure', reason: 'replayed delivery' });
  });

  it('refuses with 409 naming the holder while a release is queued, and the same delivery may be retried after', async () => {
    const user = await insertUser(t.db, { email: 'dee@example.test', name: 'Dee Deployer', role: 'deployer', passwordHash: 'x' });
    const holder = await insertRelease(t.db, { appId: app.id, kind: 'deploy', ref: 'main', trigger: 'button', requestedBy: user.id });
    const b = body({ sha: 'a1b2c3d4e5f6' });
    const answer = await deliver(b);
    expect(answer).toMatchObject({
      status: 409,
      body: { error: expect.stringMatching(/already queued for this app: started by Dee Deployer/) },
    });
    expect((await releasesOf(app.id)).filter((r) => r.status === 'queued').map((r) => r.id)).toEqual([holder.id]);
    expect(await lastAudit()).toMatchObject({ outcome: 'failure', reason: expect.stringContaining('Dee Deployer') });

    await updateRelease(t.db, holder.id, { status: 'failed', finishedAt: new Date() });
    const retried = await deliver(b);
    expect(retried.status).toBe(202);
    const created = (await releasesOf(app.id)).find((r) => r.id === (retried.body as { release: string }).release);
    expect(created).toMatchObject({ ref: 'a1b2c3d4e5f6', trigger: 'webhook', status: 'queued' });
  });

  it('refuses with 422 when the app has no repository, keeping the delivery retryable', async () => {
    const other = generateWebhookSecret();
    await saveWebhook(t.db, bare.id, sealWebhookSecret(ring, bare.id, other));
    const b = body({ branch: 'main' });
    expect(await receiveDelivery(deps(), bare.id, b, signBody(other, b))).toMatchObject({
      status: 422,
      body: { error: expect.stringContaining('repository') },
    });
    expect(await releasesOf(bare.id)).toEqual([]);
  });

  it('refuses a body over the limit with 413 before checking it', async () => {
    expect(await receiveDelivery(deps(), app.id, null, 'sha256=00')).toMatchObject({ status: 413 });
  });
});

describe('the route handler', () => {
  it('reads the raw body with its cap, needs no session, and answers with the domain’s status', async () => {
    await t.db.update(releases).set({ status: 'succeeded' }).where(eq(releases.status, 'queued')); // free the app's lock
    setRuntime({
      env: readEnv({ BERTH_URL: 'https://panel.test' }),
      client: t.client,
      keyRing: ring,
      authSecret: 'x',
      jobs: { send: async () => 'job' },
    });
    const call = (b: string | Uint8Array<ArrayBuffer>, signature: string) =>
      POST(new Request('http://panel.test/x', { method: 'POST', body: b, headers: { 'x-hub-signature-256': signature } }), {
        params: Promise.resolve({ id: app.id }),
      });
    try {
      const huge = new Uint8Array(64 * 1024 + 1);
      expect((await call(huge, signBody(secret, huge))).status).toBe(413);
      const b = JSON.stringify({ branch: 'main', timestamp: Math.floor(Date.now() / 1000), id: 'route' });
      expect((await call(b, signBody('wrong', Buffer.from(b)))).status).toBe(401);
      const res = await call(b, signBody(secret, Buffer.from(b)));
      expect(res.status).toBe(202);
      expect((await res.json()).url).toMatch(/^https:\/\/panel\.test\/apps\/[0-9a-f-]{36}\/releases\/[0-9a-f-]{36}$/);
      expect(res.headers.get('cache-control')).toBe('no-store');
    } finally {
      setRuntime(undefined);
    }
  });
});
