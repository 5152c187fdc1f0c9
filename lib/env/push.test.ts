import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { recordEnvPush } from '@/db/queries/env-revisions';
import { insertRelease, updateRelease } from '@/db/queries/releases';
import { activeRunFor, createRun, findRun, updateRun } from '@/db/queries/runs';
import { insertUser } from '@/db/queries/users';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { createServer } from '@/lib/servers/create';
import { envPushSummary, requestEnvPush } from './push';
import { interruptEnvPush } from './push-job';
import { saveEnv } from './store';

// Target selection and busy servers on a real (embedded) database; the push itself runs on the test bed.
const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let userId: number;
const servers: { id: string; name: string }[] = [];
const sent: { payload: JobPayload; key: string }[] = [];
const enqueue = async (payload: JobPayload, key: string) => {
  sent.push({ payload, key });
  return 'job';
};

async function newApp(slug: string) {
  const config = appConfigInput.parse({ slug, kind: 'php', domains: [`${slug}.test`] });
  return (
    await insertApp(
      t.db,
      { slug, name: slug, config },
      servers.map((s) => ({ serverId: s.id, roles: ['web', 'worker'] })),
    )
  ).id;
}

beforeAll(async () => {
  t = await createTestDb();
  userId = (await insertUser(t.db, { email: 'push@berth.test', name: 'Pusher', role: 'deployer', passwordHash: 'x' })).id;
  for (const name of ['alpha', 'beta']) {
    const s = await createServer(t.db, ring, { name, host: '127.0.0.11', port: 22, username: 'root', bindAddress: null });
    servers.push({ id: s.id, name });
  }
});
afterAll(async () => t.close());

const push = (appId: string, onlyPending = false) => requestEnvPush(t.db, appId, userId, { onlyPending, enqueue });
const finish = async (runIds: string[]) => {
  for (const id of runIds) await updateRun(t.db, id, { status: 'succeeded', finishedAt: new Date() });
};

describe('requestEnvPush', () => {
  it('refuses an app with nothing saved', async () => {
    const appId = await newApp('pushnone');
    await expect(push(appId)).rejects.toThrow('Nothing saved yet');
    expect(sent).toEqual([]);
  });

  it('pushes the newest revision to every server in one job on the app key; retry goes only where it failed', async () => {
    const appId = await newApp('pushall');
    await saveEnv(t.db, ring, appId, { A: '1' }, { source: 'edit', createdBy: userId });
    await saveEnv(t.db, ring, appId, { A: '2' }, { source: 'edit', createdBy: userId });
    const first = await push(appId);
    expect(first.revision).toBe(2);
    expect(first.busy).toEqual([]);
    expect(first.runs.map((r) => r.serverId).sort()).toEqual(servers.map((s) => s.id).sort());
    expect(sent.at(-1)).toEqual({
      payload: { kind: 'env-push', appId, revision: 2, runIds: first.runs.map((r) => r.runId) },
      key: `app:${appId}`,
    });
    const run = await findRun(t.db, first.runs[0]!.runId);
    expect(run).toMatchObject({ recipe: 'env-push', appId, status: 'queued', requestedBy: userId });

    // alpha took it, beta failed: "retry failed" pushes to beta alone.
    await finish(first.runs.map((r) => r.runId));
    await recordEnvPush(t.db, appId, servers[0]!.id, { revision: 2 });
    await recordEnvPush(t.db, appId, servers[1]!.id, { error: 'write-env: no route to host' });
    let summary = await envPushSummary(t.db, appId);
    expect(summary).toMatchObject({ latest: 2, pending: true });
    expect(summary.servers.map((s) => [s.serverName, s.envRevision, s.error, s.running, s.run?.status])).toEqual([
      ['alpha', 2, null, false, 'succeeded'],
      ['beta', null, 'write-env: no route to host', false, 'succeeded'],
    ]);
    const retry = await push(appId, true);
    expect(retry.runs.map((r) => r.serverId)).toEqual([servers[1]!.id]);
    expect((await envPushSummary(t.db, appId)).servers.map((s) => s.running)).toEqual([false, true]);
    await finish(retry.runs.map((r) => r.runId));
    await recordEnvPush(t.db, appId, servers[1]!.id, { revision: 2 });
    summary = await envPushSummary(t.db, appId);
    expect(summary.pending).toBe(false);
    expect(summary.servers.every((s) => s.envRevision === 2 && s.error === null && s.pushedAt instanceof Date)).toBe(true);
    await expect(push(appId, true)).rejects.toThrow('Every server already has revision 2.');

    // A server whose last push failed counts as pending even at the newest revision.
    await recordEnvPush(t.db, appId, servers[0]!.id, { error: 'post-push: php exited with code 1' });
    expect((await push(appId, true)).runs.map((r) => r.serverId)).toEqual([servers[0]!.id]);
  });

  it('reports a server busy with other work and still pushes to the others', async () => {
    const appId = await newApp('pushbusy');
    await saveEnv(t.db, ring, appId, { A: '1' }, { source: 'edit', createdBy: userId });
    await settleRuns();
    const other = await createRun(t.db, { serverId: servers[1]!.id, recipe: 'configure', appId });
    const before = sent.length;
    const pushed = await push(appId);
    expect(pushed).toMatchObject({ revision: 1, busy: ['beta'], runs: [{ serverId: servers[0]!.id }] });
    expect(sent.length).toBe(before + 1);
    // Every server busy: nothing is queued, and that is not an error.
    const again = await push(appId);
    expect(again).toEqual({ revision: 1, runs: [], busy: ['alpha', 'beta'] });
    expect(sent.length).toBe(before + 1);
    await updateRun(t.db, other.id, { status: 'succeeded' });
  });

  it('refuses while a release of the app is queued or running', async () => {
    const appId = await newApp('pushrel');
    await saveEnv(t.db, ring, appId, { A: '1' }, { source: 'edit', createdBy: userId });
    const release = await insertRelease(t.db, { appId, kind: 'deploy', ref: 'main', trigger: 'button' });
    expect(release.envRevision).toBe(1);
    await expect(push(appId)).rejects.toThrow('A release of this app is queued');
    await updateRelease(t.db, release.id, { status: 'succeeded' });
  });

  it('marks the runs of a lost job interrupted, and the servers failed', async () => {
    const appId = await newApp('pushlost');
    await saveEnv(t.db, ring, appId, { A: '1' }, { source: 'edit', createdBy: userId });
    await settleRuns();
    const pushed = await push(appId);
    await interruptEnvPush(t.db, { kind: 'env-push', appId, revision: 1, runIds: pushed.runs.map((r) => r.runId) });
    const summary = await envPushSummary(t.db, appId);
    expect(summary.servers.map((s) => [s.run?.status, s.error])).toEqual(
      servers.map(() => ['interrupted', 'The panel stopped during the push: push again.']),
    );
  });
});

/** Ends whatever runs earlier tests left queued, so each test starts with idle servers. */
async function settleRuns(): Promise<void> {
  for (const s of servers) {
    const active = await activeRunFor(t.db, s.id);
    if (active) await updateRun(t.db, active.id, { status: 'succeeded' });
  }
}
