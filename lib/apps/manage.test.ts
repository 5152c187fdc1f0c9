import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestAppRun } from '@/db/queries/apps';
import { createRun, updateRun } from '@/db/queries/runs';
import { updateServer } from '@/db/queries/servers';
import { insertUser } from '@/db/queries/users';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { createServer } from '@/lib/servers/create';
import { appConfigInput } from '@/lib/model/app-config';
import { createApp, requestConfigure, updateApp } from './manage';

// Domain rules on a real (embedded) database; the queue itself runs for real in the e2e suite.
let t: TestDb;
let userId: number;
const servers: string[] = [];
const ring = parseKeyRing(generateKeyText(1));
const queued: JobPayload[] = [];
const enqueue = async (payload: JobPayload) => {
  queued.push(payload);
  return 'job';
};
const php = (slug: string, extra: Record<string, unknown> = {}) =>
  appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`], ...extra });
const both = (serverId: string) => ({ serverId, roles: ['web', 'worker'] });

beforeAll(async () => {
  t = await createTestDb();
  userId = (await insertUser(t.db, { email: 'a@example.test', name: 'A', role: 'admin', passwordHash: 'x' })).id;
  for (const name of ['one', 'two']) {
    const s = await createServer(t.db, ring, { name, host: '127.0.0.11', port: 22, username: 'root', bindAddress: null });
    await updateServer(t.db, s.id, { hostKeyFingerprint: `SHA256:${'A'.repeat(43)}`, provisionedAt: new Date(), phpVersions: ['8.2'] });
    servers.push(s.id);
  }
});
afterAll(async () => t.close());

describe('apps on shared servers', () => {
  it('refuses a domain or a port another app on the same server already has', async () => {
    await createApp(t.db, {
      name: 'Shop',
      config: php('shop', { domains: ['shop.test', 'www.shop.test'] }),
      placements: [both(servers[0]!)],
    });
    await expect(
      createApp(t.db, { name: 'Copy', config: php('copy', { domains: ['www.shop.test'] }), placements: [both(servers[0]!)] }),
    ).rejects.toThrow('www.shop.test is already served by Shop on a shared server.');
    // On another server the name is free.
    await createApp(t.db, { name: 'Elsewhere', config: php('elsewhere', { domains: ['www.shop.test'] }), placements: [both(servers[1]!)] });
    const proc = (slug: string) =>
      appConfigInput.parse({ slug, kind: 'process', domains: [`${slug}.test`], port: 9400, processArgv: ['node', 'x.js'] });
    await createApp(t.db, { name: 'Api', config: proc('api'), placements: [both(servers[0]!)] });
    await expect(createApp(t.db, { name: 'Api2', config: proc('api2'), placements: [both(servers[0]!)] })).rejects.toThrow(
      'Port 9400 is already used by Api on a shared server.',
    );
  });

  it('refuses data services for an app on more than one server', async () => {
    await expect(
      createApp(t.db, {
        name: 'Multi',
        config: php('multi', { dataServices: { postgres: true } }),
        placements: [both(servers[0]!), both(servers[1]!)],
      }),
    ).rejects.toThrow('Data services work for apps on one server for now.');
  });
});

describe('requestConfigure', () => {
  it('joins a queued configure of the same app, and reports a server busy with other work without failing', async () => {
    const app = await createApp(t.db, { name: 'Queue', config: php('queue'), placements: [both(servers[1]!)] });
    const first = await requestConfigure(t.db, enqueue, app.id, userId);
    expect(first).toMatchObject({ runs: [expect.anything()], busy: [] });
    await updateApp(t.db, app.id, php('queue', { pool: { maxChildren: 9 } }));
    const again = await requestConfigure(t.db, enqueue, app.id, userId);
    expect(again).toEqual({ runs: [], busy: [] });
    expect((await latestAppRun(t.db, app.id, servers[1]!))!.id).toBe(first.runs[0]!.id);

    await updateRun(t.db, first.runs[0]!.id, { status: 'succeeded' });
    const provision = await createRun(t.db, { serverId: servers[1]!, recipe: 'provision' });
    expect(await requestConfigure(t.db, enqueue, app.id, userId)).toEqual({ runs: [], busy: ['two'] });
    await updateRun(t.db, provision.id, { status: 'succeeded' });
  });
});
