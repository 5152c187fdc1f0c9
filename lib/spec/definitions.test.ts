import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findServerByName, listServers } from '@/db/queries/servers';
import { listMonitorsWithNames } from '@/db/queries/monitors';
import { listChannels, subscribedChannels } from '@/db/queries/notifications';
import { putSetting } from '@/db/queries/settings';
import { createRun, updateRun } from '@/db/queries/runs';
import { findAppBySlug, listApps, placementsOfApp } from '@/db/queries/apps';
import { insertUser } from '@/db/queries/users';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { channelViews, saveChannel } from '@/lib/notify/channels';
import { createMonitor, removeMonitor } from '@/lib/monitors/manage';
import { setServerKey } from '@/lib/servers/define';
import { targetOf } from '@/lib/servers/remote';
import { seedBackups, seedEveryKind } from '@/test-support/fleet-seed';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { applyText, planText } from './definitions';
import { exportFleet, heldReferences } from './export';
import { definitionText } from './compact';

const ring = parseKeyRing(generateKeyText(1));
let source: TestDb;
let target: TestDb;
const actor = { id: 0, email: 'ops@example.test' };
const queued: JobPayload[] = [];
const enqueue = async (payload: JobPayload) => {
  queued.push(payload);
  return 'job';
};

beforeAll(async () => {
  [source, target] = await Promise.all([createTestDb(), createTestDb()]);
  await seedEveryKind(source.db, ring);
  await seedBackups(source.db, ring);
  for (const t of [source, target])
    actor.id = (await insertUser(t.db, { email: actor.email, name: 'Ops', role: 'admin', passwordHash: 'x' })).id;
});
afterAll(async () => Promise.all([source?.close(), target?.close()]));

/** No worker runs the queued jobs here: record a succeeded configure of every app on every server, as one would. */
async function configuredEverywhere() {
  for (const app of await listApps(source.db))
    for (const { server } of await placementsOfApp(source.db, app.id)) {
      const run = await createRun(source.db, { serverId: server.id, appId: app.id, recipe: 'configure' });
      await updateRun(source.db, run.id, { status: 'succeeded', finishedAt: new Date() });
    }
}
/** What an apply queued, as `server: app slugs`. */
async function queuedText(outcome: { queued: { serverName: string; appIds: string[] }[] }) {
  const slugs = new Map((await listApps(source.db)).map((a) => [a.id, a.slug]));
  return outcome.queued.map(
    (q) =>
      `${q.serverName}: ${q.appIds
        .map((id) => slugs.get(id))
        .sort()
        .join(' ')}`,
  );
}

const exported = async (t: TestDb) => definitionText(await exportFleet(t.db, ring));

async function plan(t: TestDb, text: string) {
  const planned = await planText(t.db, ring, text);
  if (!planned.ok) throw new Error(JSON.stringify(planned.problems));
  return planned.plan;
}

const apply = async (t: TestDb, text: string, confirmDestructive = false) =>
  applyText(t.db, ring, enqueue, actor, text, { hash: (await plan(t, text)).hash, confirmDestructive });

describe('definitions: export, plan and apply', () => {
  it('exports no secret, only references to where the panel keeps them', async () => {
    const text = await exported(source);
    for (const secret of [
      'S3-SECRET-never-exported',
      'AAbbccddeeffgghhiijjkkllmm',
      'not-so-secret',
      'PRIVATE KEY',
      'https://hooks.example.com',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('secret: servers/web-1/ssh-key');
    expect(text).toContain('secret: channels/ops/botToken');
    expect(text).toContain('secret: monitors/backups/token');
    expect(text).toContain('secret: backup-targets/offsite/credential');
    expect(text).not.toContain('shop.example.com on web-1'); // Berth's own per-app check follows the app
  });

  it('round-trips: import into an empty panel and export again gives the same bytes; a second plan is empty', async () => {
    const text = await exported(source);
    const first = await plan(target, text);
    expect(first.changes.map((c) => `${c.action} ${c.kind} ${c.key}`).sort()).toEqual(
      [
        'create app api',
        'create app docs',
        'create app shop',
        'create backupTarget offsite',
        'create channel hooks',
        'create channel ops',
        'create monitor backups',
        'create monitor home',
        'create server web-1',
        'create server web-2',
      ].sort(),
    );
    expect(first.changes.find((c) => c.key === 'web-1')?.needsValue).toEqual(['servers/web-1/ssh-key']);
    expect(first.changes.find((c) => c.key === 'hooks')?.needsValue).toEqual(['channels/hooks/url', 'channels/hooks/headerValue']);
    const outcome = await apply(target, text);
    expect(outcome.queued).toEqual([]); // no server holds its key yet: nothing is configured
    expect(await exported(target)).toBe(text);
    expect((await plan(target, text)).changes).toEqual([]);
    expect((await plan(source, text)).changes).toEqual([]);
  });

  it('marks what needs a value, and nothing runs for it until an admin sets it', async () => {
    const web1 = (await findServerByName(target.db, 'web-1'))!;
    expect(() => targetOf(web1, ring)).toThrow('web-1 needs its SSH key');
    expect(await subscribedChannels(target.db, 'monitor.down')).toEqual([]);
    await setServerKey(target.db, ring, web1);
    const ops = (await listChannels(target.db)).find((c) => c.name === 'ops')!;
    expect(ops.needsValue).toEqual(['botToken']);
    await saveChannel(target.db, ring, {
      id: ops.id,
      name: 'ops',
      events: ops.events,
      chatId: '-1001234567890',
      botToken: '42:ZZZZZZZZZZZZZZZZZZZZZZZZ',
    });
    expect(await subscribedChannels(target.db, 'monitor.down')).toEqual([{ id: ops.id }]);
    const held = await heldReferences(target.db, ring);
    expect([...held].sort()).toEqual(['channels/ops/botToken', 'monitors/backups/token', 'servers/web-1/ssh-key']);
    // Setting values changes no reference: the file still describes this panel.
    expect((await plan(target, await exported(source))).changes).toEqual([]);
  });

  it('queues configure for the apps that never ran on a ready server, then only for what changed', async () => {
    queued.length = 0;
    const text = await exported(source);
    const first = await apply(source, text);
    expect(first.applied).toEqual([]);
    // Seeded apps were never configured: the first apply configures them on their ready servers.
    expect(await queuedText(first)).toEqual(['web-1: docs shop', 'web-2: api shop']);
    expect(queued).toEqual([expect.objectContaining({ kind: 'configure-apps' }), expect.objectContaining({ kind: 'configure-apps' })]);
    await configuredEverywhere();
    expect((await apply(source, text)).queued).toEqual([]);
  });

  it('changes field by field, and queues configure on the ready servers of the apps it changed', async () => {
    const text = (await exported(source)).replace('maxChildren: 8', 'maxChildren: 12');
    const p = await plan(source, text);
    expect(p.changes).toEqual([
      expect.objectContaining({
        kind: 'app',
        key: 'shop',
        action: 'update',
        fields: [{ field: 'pool.maxChildren', from: '8', to: '12' }],
        destructive: null,
      }),
    ]);
    queued.length = 0;
    const outcome = await apply(source, text);
    expect(await queuedText(outcome)).toEqual(['web-1: shop', 'web-2: shop']);
    expect(queued).toHaveLength(2);
    await configuredEverywhere();
    expect((await plan(source, text)).changes).toEqual([]);
  });

  it('refuses a destructive plan until it is confirmed', async () => {
    const text = (await exported(source)).replace(/ {2}- kind: http\n(?: {4}.*\n)+/, '');
    const p = await plan(source, text);
    expect(p.changes).toEqual([
      expect.objectContaining({ kind: 'monitor', key: 'home', action: 'delete', destructive: expect.stringMatching(/history/) }),
    ]);
    await expect(apply(source, text)).rejects.toThrow(/confirm the destructive changes/);
    expect((await listMonitorsWithNames(source.db)).some((m) => m.name === 'home')).toBe(true);
    await apply(source, text, true);
    expect((await listMonitorsWithNames(source.db)).some((m) => m.name === 'home')).toBe(false);
  });

  it('writes nothing when one change fails, and names it', async () => {
    const text = (await exported(source))
      .replace('    name: Shop\n', '    name: Shop\n    phpVersion: "7.4"\n')
      .replace(
        'servers:\n',
        'servers:\n  - name: web-3\n    host: 10.0.0.7\n    port: 22\n    user: root\n    phpVersions:\n      - "8.2"\n    sshKey:\n      secret: servers/web-3/ssh-key\n',
      );
    await expect(apply(source, text)).rejects.toThrow(/app shop: PHP 7.4 is not available on web-1/);
    expect((await listServers(source.db)).map((s) => s.name)).toEqual(['web-1', 'web-2']);
  });

  it('refuses a file that changed since it was planned, and a second apply while one runs, naming who holds it', async () => {
    const text = await exported(source);
    const p = await plan(source, text);
    await expect(
      applyText(source.db, ring, enqueue, actor, `${text}\n# edited`, { hash: p.hash, confirmDestructive: false }),
    ).rejects.toThrow(/changed since it was planned/);
    await putSetting(
      source.db,
      'spec.apply.lock',
      JSON.stringify({ by: 'someone@example.test', at: new Date().toISOString(), token: 'x' }),
    );
    await expect(apply(source, text)).rejects.toThrow(/Another apply is running: someone@example.test started it at/);
    // A lock left by a crash is taken over once stale.
    await putSetting(
      source.db,
      'spec.apply.lock',
      JSON.stringify({ by: 'crashed@example.test', at: new Date(Date.now() - 3_600_000).toISOString(), token: 'y' }),
    );
    await expect(apply(source, text)).resolves.toMatchObject({ applied: [] });
  });

  it('retries what a server left unfinished: applying the same file again configures it there', async () => {
    const text = await exported(source);
    const web2 = (await findServerByName(source.db, 'web-2'))!;
    // As an unreachable server leaves it: the run there failed, the other server's succeeded.
    const failed = await createRun(source.db, {
      serverId: web2.id,
      appId: (await findAppBySlug(source.db, 'api'))!.id,
      recipe: 'configure',
    });
    await updateRun(source.db, failed.id, { status: 'failed', error: 'No server was reached', finishedAt: new Date() });
    const retry = await apply(source, text);
    expect(retry.applied).toEqual([]);
    expect(await queuedText(retry)).toEqual(['web-2: api']);
    await configuredEverywhere();
    expect((await apply(source, text)).queued).toEqual([]);
  });

  it('holds the lock for the whole apply: one runs, the other is refused', async () => {
    const text = (await exported(source)).replace('maxChildren: 12', 'maxChildren: 9');
    let release!: () => void;
    let entered!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inEnqueue = new Promise<void>((r) => (entered = r));
    const slowEnqueue = async (payload: JobPayload) => {
      entered();
      await gate;
      queued.push(payload);
      return 'job';
    };
    const hash = (await plan(source, text)).hash;
    const first = applyText(source.db, ring, slowEnqueue, actor, text, { hash, confirmDestructive: false });
    await Promise.race([inEnqueue, first]); // the first apply has written and now waits to queue its runs, holding the lock
    await expect(
      applyText(source.db, ring, enqueue, { id: actor.id, email: 'other@example.test' }, text, { hash, confirmDestructive: false }),
    ).rejects.toThrow(/Another apply is running: ops@example.test/);
    release();
    expect(await queuedText(await first)).toEqual(['web-1: shop', 'web-2: shop']);
  });
});

describe('definitions: what must not slip through', () => {
  const fleet = async () => exported(target);
  const withChannel = (text: string, yaml: string) => text.replace(/^channels:\n/m, `channels:\n${yaml}`);

  it('drops a kept secret when the file sends the channel somewhere else, and says so in the plan', async () => {
    const text = (await fleet()).replace('apiBase: https://api.telegram.org', 'apiBase: https://collector.example');
    const p = await plan(target, text);
    expect(p.changes).toEqual([
      expect.objectContaining({ kind: 'channel', key: 'ops', destructive: expect.stringMatching(/secrets are dropped/) }),
    ]);
    await apply(target, text, true);
    const ops = (await listChannels(target.db)).find((c) => c.name === 'ops')!;
    expect(ops.needsValue).toEqual(['botToken']);
    expect(JSON.stringify(await exportFleet(target.db, ring))).not.toContain('ZZZZ');
  });

  it('normalizes channel settings as the panel stores them, and a channel waiting for its password still lists', async () => {
    const email = `  - name: mail
    kind: email
    events: [monitor.down]
    settings:
      host: smtp.example.com
      port: "587"
      security: starttls
      user: berth
      password: { secret: channels/mail/password }
      from: berth@example.com
      to: a@example.com,b@example.com
`;
    const text = withChannel(await fleet(), email);
    await apply(target, text);
    expect((await plan(target, text)).changes).toEqual([]);
    const views = await channelViews(target.db, ring, { manage: true });
    expect(views.find((v) => v.name === 'mail')).toMatchObject({
      target: 'a@example.com, b@example.com via smtp.example.com:587',
      unreadable: null,
    });
    expect(await fleet()).toContain('to: a@example.com, b@example.com');
  });

  it('clears a monitor keyword the file no longer has', async () => {
    const text = (await fleet()).replace(/^ {4}keyword: Welcome\n/m, '');
    expect((await plan(target, text)).changes).toEqual([expect.objectContaining({ kind: 'monitor', key: 'home', action: 'update' })]);
    await apply(target, text);
    expect((await plan(target, text)).changes).toEqual([]);
    expect((await listMonitorsWithNames(target.db)).find((m) => m.name === 'home')?.keyword).toBeNull();
  });

  it('refuses to export two monitors with one name, and to apply a plan the panel has moved past', async () => {
    const text = await fleet();
    const p = await plan(target, text);
    const twin = await createMonitor(target.db, ring, {
      kind: 'http',
      name: 'home',
      url: 'https://twin.example.com/',
      keyword: null,
      method: 'GET',
      intervalS: 60,
      timeoutMs: 5000,
      expectedStatus: '200-299',
      retries: 0,
      graceS: 0,
      paused: false,
    });
    await expect(exportFleet(target.db, ring)).rejects.toThrow('Two monitors share a name (home)');
    await removeMonitor(target.db, twin.id);
    const moved = { kind: 'heartbeat', name: 'new', url: null, keyword: null, method: 'GET', intervalS: 60, timeoutMs: 5000 } as const;
    await createMonitor(target.db, ring, { ...moved, expectedStatus: '200-299', retries: 0, graceS: 0, paused: false });
    await expect(applyText(target.db, ring, enqueue, actor, text, { hash: p.hash, confirmDestructive: true })).rejects.toThrow(
      /the panel changed since it was planned/,
    );
  });
});
