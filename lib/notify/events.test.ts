import os from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { deleteChannel, listChannels } from '@/db/queries/notifications';
import { findRelease, finishRelease, insertRelease, updateRelease } from '@/db/queries/releases';
import { insertServer, updateServer } from '@/db/queries/servers';
import { NOTIFY_EVENTS } from '@/lib/model/notifications';
import { notifications, type Server } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { runRelease } from '@/lib/releases/release-job';
import { ConnectError, HostKeyMismatchError, RemoteError } from '@/lib/remote/errors';
import { recordServerFailure } from '@/lib/servers/failures';
import { saveChannel } from './channels';
import { announceReleaseEnd } from './events';

const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let server: Server;
let appId: string;
beforeAll(async () => {
  t = await createTestDb();
  server = await insertServer(t.db, {
    id: crypto.randomUUID(),
    name: 'web-1',
    host: '10.0.0.1',
    username: 'root',
    privateKeySealed: 'x',
    publicKey: 'x',
  });
  appId = (
    await insertApp(
      t.db,
      { slug: 'shop', name: 'shop', config: appConfigInput.parse({ slug: 'shop', kind: 'php', domains: ['shop.test'] }) },
      [],
    )
  ).id;
});
afterAll(async () => t.close());
beforeEach(async () => {
  for (const c of await listChannels(t.db)) await deleteChannel(t.db, c.id);
  await saveChannel(t.db, ring, { kind: 'webhook', name: 'all', events: [...NOTIFY_EVENTS], url: 'http://127.0.0.1:9/x' });
});

const queued = async () =>
  (await t.db.query.notifications.findMany({ orderBy: (n, { asc }) => asc(n.createdAt) })).map((n) => ({ status: n.status, ...n.event }));

describe('server failures (lib/servers/failures.ts)', () => {
  beforeEach(async () => {
    await t.db.delete(notifications);
  });

  it('alerts on a server that cannot be reached, once per window', async () => {
    await recordServerFailure(t.db, server, new ConnectError('web-1', 'connect ECONNREFUSED 10.0.0.1:22', 'refused'));
    await recordServerFailure(t.db, server, new ConnectError('web-1', 'connect ECONNREFUSED 10.0.0.1:22', 'refused'));
    const [first, second] = await queued();
    expect(first).toMatchObject({
      status: 'pending',
      type: 'server.unreachable',
      title: 'web-1 is unreachable',
      serverId: server.id,
      text: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(first!.url).toMatch(new RegExp(`^https?://[^/]+/servers/${server.id}$`));
    expect(second!.status).toBe('suppressed');
  });

  it('alerts on a host key mismatch', async () => {
    // A mismatch is recorded against the pin it was refused for (lib/servers/host-key-mismatch.ts).
    await updateServer(t.db, server.id, { hostKeyFingerprint: 'SHA256:old' });
    await recordServerFailure(t.db, server, new HostKeyMismatchError('web-1', 'SHA256:old', 'SHA256:new'));
    expect(await queued()).toEqual([
      expect.objectContaining({
        status: 'pending',
        type: 'server.host_key_mismatch',
        serverId: server.id,
        text: expect.stringMatching(/SHA256:new/),
      }),
    ]);
  });

  it('does not alert on a command that failed on a reachable server', async () => {
    await recordServerFailure(t.db, server, new RemoteError('web-1', 'false', 1, ''));
    await recordServerFailure(t.db, server, new Error('something else'));
    expect(await queued()).toEqual([]);
  });
});

describe('release outcomes (lib/releases/release-job.ts)', () => {
  beforeEach(async () => {
    await t.db.delete(notifications);
  });

  it('a release job that fails raises release.failed with a link to the release', async () => {
    // The app has no repository: the job fails at its first step, through the same path as any failure.
    const r = await insertRelease(t.db, { appId, kind: 'deploy', ref: 'main', trigger: 'button' });
    await runRelease(t.db, ring, r.id, new AbortController().signal, os.tmpdir());
    expect((await findRelease(t.db, r.id))!.status).toBe('failed');
    const [sent] = await queued();
    expect(sent).toMatchObject({
      status: 'pending',
      type: 'release.failed',
      appId,
      releaseId: r.id,
      title: expect.stringMatching(/^shop: Deploy.* failed at step fetch$/),
      text: expect.stringMatching(/no repository/),
    });
    expect(sent!.url).toMatch(new RegExp(`/apps/${appId}/releases/${r.id}$`));
  });

  it('a deploy put back by the automatic rollback raises release.rolled_back; a success raises release.succeeded (opt-in)', async () => {
    const r = await insertRelease(t.db, { appId, kind: 'deploy', ref: 'main', trigger: 'button' });
    await updateRelease(t.db, r.id, { status: 'running', number: 7 });
    await finishRelease(t.db, r.id, {
      status: 'rolled_back',
      failedStep: 'health-check',
      error: 'GET / answered 502\nRolled back to releases/6 on every server.',
    });
    await announceReleaseEnd(t.db, r.id, 'https://berth.test');
    expect(await queued()).toEqual([
      expect.objectContaining({
        type: 'release.rolled_back',
        title: 'shop: Deploy #7 failed at step health-check and was rolled back',
        url: `https://berth.test/apps/${appId}/releases/${r.id}`,
        text: expect.stringMatching(/Rolled back to releases\/6/),
      }),
    ]);

    const ok = await insertRelease(t.db, { appId, kind: 'deploy', ref: 'main', trigger: 'button' });
    await updateRelease(t.db, ok.id, { status: 'running', number: 8 });
    await finishRelease(t.db, ok.id, { status: 'succeeded' });
    await announceReleaseEnd(t.db, ok.id);
    expect(await queued()).toHaveLength(2);
    expect((await queued()).find((n) => n.releaseId === ok.id)).toMatchObject({
      type: 'release.succeeded',
      title: 'shop: Deploy #8 is live',
    });
  });
});
