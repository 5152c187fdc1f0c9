import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '@/db/queries/audit';
import { commitsOf } from '@/db/queries/ops-repos';
import { insertUser, setUserDisabled } from '@/db/queries/users';
import { monitors, type OpsRepo, type User } from '@/db/schema';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { signBody } from '@/lib/releases/webhook';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { opsKey, receivePush } from './push-hook';
import { connectOpsRepo } from './repo';
import { applyText, planText } from '@/lib/spec/definitions';
import { approveOpsCommit, runOpsSync } from './sync';

// GitOps end to end below HTTP: a real git repository on disk, the real plan and apply.
let t: TestDb;
let admin: User;
let repo: OpsRepo;
let secret: string;
const ring = parseKeyRing(generateKeyText(1));
const ops = fixtureRepo('process-app');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gitops-'));
const queued: JobPayload[] = [];
const keys: string[] = [];
const enqueue = async (payload: JobPayload, key: string) => {
  queued.push(payload);
  keys.push(key);
  return 'job';
};

const beat = (name: string) =>
  `  - kind: heartbeat\n    name: ${name}\n    intervalS: 3600\n    token: { secret: monitors/${name}/token }\n`;
// An absent section leaves that part of the panel alone; `monitors: []` says there are none.
const fleet = (...names: string[]) =>
  `apiVersion: berth/v1\nkind: Fleet\n${names.length ? `monitors:\n${names.map(beat).join('')}` : 'monitors: []\n'}`;
const monitorNames = async () => (await t.db.select().from(monitors)).map((m) => m.name).sort();
const sync = () => runOpsSync(t.db, ring, enqueue, dataDir, repo.id);

function push(body: object, sign: string | null = secret, now = new Date()) {
  const raw = Buffer.from(JSON.stringify(body));
  return receivePush(
    { db: t.db, ring, enqueue, ip: '198.51.100.4', now: () => now },
    repo.id,
    raw,
    sign === null ? null : signBody(sign, raw),
  );
}
const stamp = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  t = await createTestDb();
  admin = await insertUser(t.db, { email: 'admin@example.test', name: 'Ada', role: 'admin', passwordHash: 'x' });
  ops.commit({ 'berth.yaml': fleet('nightly') }, 'fleet: a nightly heartbeat');
  ({ repo, secret } = await connectOpsRepo(t.db, ring, admin, { url: ops.dir, branch: 'main', path: 'berth.yaml' }));
});
afterAll(async () => {
  ops.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
  await t.close();
});

describe('an ops repository', () => {
  it('refuses a path that is not a git repository', async () => {
    await expect(connectOpsRepo(t.db, ring, admin, { url: dataDir, branch: 'main', path: 'berth.yaml' })).rejects.toThrow(
      'is not a git repository',
    );
  });

  it('queues a sync for a signed push, and refuses unsigned, mis-signed, stale and replayed ones', async () => {
    const body = { timestamp: stamp(), after: ops.head() };
    expect((await push(body, null)).status).toBe(401);
    expect((await push(body, 'not-the-secret')).status).toBe(401);
    expect((await push({ timestamp: stamp() - 3600 })).status).toBe(401);
    expect(queued).toEqual([]);
    expect(await push(body)).toEqual({ status: 202, body: { queued: true } });
    expect(queued).toEqual([{ kind: 'gitops-sync', repoId: repo.id }]);
    expect((await push(body)).status).toBe(409); // the same signed body again
    expect(queued).toHaveLength(1);
    const reasons = (await listAuditEvents(t.db, { action: 'gitops.push' })).map((e) => e.reason ?? e.outcome);
    expect(reasons.sort()).toEqual(['bad signature', 'missing signature', 'replayed delivery', 'stale timestamp', 'success'].sort());
    queued.length = 0;
  });

  it('applies a push with no destructive change at once', async () => {
    const commit = await sync();
    expect(commit).toMatchObject({ status: 'applied', sha: ops.head(), subject: 'fleet: a nightly heartbeat', changes: 1 });
    expect(await monitorNames()).toEqual(['nightly']);
    expect(await sync()).toBeNull(); // the same head again: nothing to do
  });

  it('records a push with an invalid definition as failed, with the line, and changes nothing', async () => {
    ops.commit({ 'berth.yaml': `${fleet('nightly')}colour: blue\n` }, 'a typo');
    const commit = await sync();
    expect(commit?.status).toBe('failed');
    expect(commit?.error).toMatch(/^berth\.yaml:\d+: .*colour/);
    expect(await monitorNames()).toEqual(['nightly']);
  });

  it('holds a destructive push for approval, and applies it as planned when approved', async () => {
    ops.commit({ 'berth.yaml': fleet() }, 'drop the heartbeat');
    const waiting = await sync();
    expect(waiting).toMatchObject({ status: 'waiting', destructive: true, changes: 1 });
    expect(await monitorNames()).toEqual(['nightly']);
    const applied = await approveOpsCommit(t.db, ring, enqueue, dataDir, waiting!.id, admin.id);
    expect(applied).toMatchObject({ status: 'applied', approvedBy: admin.id });
    expect(await monitorNames()).toEqual([]);
    await expect(approveOpsCommit(t.db, ring, enqueue, dataDir, applied.id, admin.id)).rejects.toThrow('waiting for approval');
  });

  it('applies pushes in order: syncs run one after another and each takes the branch head, never an older commit', async () => {
    ops.commit({ 'berth.yaml': fleet('a') }, 'add a');
    const second = ops.commit({ 'berth.yaml': fleet('a', 'b') }, 'add b');
    expect((await push({ timestamp: stamp(), after: 'first' })).status).toBe(202);
    expect((await push({ timestamp: stamp(), after: 'second' })).status).toBe(202);
    expect(queued.map((q) => q.kind)).toEqual(['gitops-sync', 'gitops-sync']);
    // One strict-FIFO key per repository (lib/jobs/queue.ts): the second sync starts after the first ends.
    expect(keys.slice(-2)).toEqual([opsKey(repo.id), opsKey(repo.id)]);
    expect(await sync()).toMatchObject({ status: 'applied', sha: second });
    expect(await sync()).toBeNull();
    expect(await monitorNames()).toEqual(['a', 'b']);
    queued.length = 0;
  });

  it('keeps a commit waiting when the panel changed before approval, and a sync plans it again', async () => {
    ops.commit({ 'berth.yaml': fleet('a') }, 'drop b');
    const waiting = await sync();
    expect(waiting?.status).toBe('waiting');
    // The panel moves on (a third monitor, applied from the Definitions page) before the admin approves.
    const moved = fleet('a', 'b', 'x');
    const plan = await planText(t.db, ring, moved);
    if (!plan.ok) throw new Error('the test definition has problems');
    await applyText(t.db, ring, enqueue, admin, moved, { hash: plan.plan.hash, confirmDestructive: false });
    await expect(approveOpsCommit(t.db, ring, enqueue, dataDir, waiting!.id, admin.id)).rejects.toThrow('changed since it was planned');
    const still = (await commitsOf(t.db, repo.id)).find((c) => c.id === waiting!.id);
    expect(still).toMatchObject({ status: 'waiting', error: expect.stringContaining('not applied') });
    expect(await monitorNames()).toEqual(['a', 'b', 'x']);
    // Sync now: the same head, planned again against the panel as it is (x would go too: still destructive).
    expect(await sync()).toMatchObject({ id: waiting!.id, status: 'waiting', error: null });
  });

  it('supersedes a commit waiting for approval when a newer one arrives', async () => {
    const waiting = (await commitsOf(t.db, repo.id)).find((c) => c.status === 'waiting');
    expect(waiting?.subject).toBe('drop b');
    ops.commit({ 'berth.yaml': fleet('a', 'b', 'x', 'c') }, 'add c instead');
    expect(await sync()).toMatchObject({ status: 'applied' });
    const statuses = Object.fromEntries((await commitsOf(t.db, repo.id)).map((c) => [c.subject, c.status]));
    expect(statuses['drop b']).toBe('superseded');
    await expect(approveOpsCommit(t.db, ring, enqueue, dataDir, waiting!.id, admin.id)).rejects.toThrow('waiting for approval');
    expect(await monitorNames()).toEqual(['a', 'b', 'c', 'x']);
  });

  it('stops applying once the admin who connected it can no longer apply', async () => {
    await setUserDisabled(t.db, admin.id, true);
    ops.commit({ 'berth.yaml': fleet('a', 'b', 'x', 'c', 'd') }, 'add d');
    const commit = await sync();
    expect(commit).toMatchObject({ status: 'failed', error: expect.stringContaining('can no longer apply') });
    expect(await monitorNames()).toEqual(['a', 'b', 'c', 'x']);
    // Enabled again: a sync of the same head (Sync now, or the next push) retries it.
    await setUserDisabled(t.db, admin.id, false);
    expect(await sync()).toMatchObject({ id: commit!.id, status: 'applied', error: null });
    expect(await monitorNames()).toEqual(['a', 'b', 'c', 'd', 'x']);
  });
});
