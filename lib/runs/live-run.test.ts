import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '@/db/queries/audit';
import { createRun, createTasks, findRun, updateRun, updateTask } from '@/db/queries/runs';
import { insertUser } from '@/db/queries/users';
import type { Server, User } from '@/db/schema';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { authorizeFollow } from '@/lib/releases/watch-access';
import { createServer } from '@/lib/servers/create';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { liveRunEvents, liveRunStream } from './live-run';
import type { RunEvent } from './live-run-state';

// A provision run's event stream against a real (embedded) database, written the way the runner writes.
let t: TestDb;
let server: Server;
let viewer: User;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  t = await createTestDb();
  const ring = parseKeyRing(generateKeyText(1));
  server = await createServer(t.db, ring, { name: 'web-1', host: '127.0.0.1', port: 22, username: 'root', bindAddress: null });
  viewer = await insertUser(t.db, { email: 'viewer@example.test', name: 'Vera', role: 'viewer', passwordHash: 'x' });
});
afterAll(async () => t?.close());

async function provisionRun() {
  const run = await createRun(t.db, { serverId: server.id, recipe: 'provision' });
  await updateRun(t.db, run.id, { status: 'running', startedAt: new Date() });
  return { run, tasks: await createTasks(t.db, run.id, ['apt', 'nginx']) };
}

function follow(runId: string, o: { stillAllowed?: () => Promise<boolean>; recheckMs?: number } = {}) {
  const stop = new AbortController();
  const items = liveRunEvents({ db: t.db, runId, signal: stop.signal, pollMs: 10, heartbeatMs: 60_000, ...o });
  const next = async (): Promise<RunEvent | { type: 'heartbeat' }> => {
    const { value, done } = await items.next();
    if (done) throw new Error('the stream ended');
    return value;
  };
  return { items, next, stop };
}

describe('the run event stream', () => {
  it('sends the run with its server and tasks, then only the log tail and changed fields, then end when it finished', async () => {
    const { run, tasks } = await provisionRun();
    const apt = tasks[0]!;
    await updateTask(t.db, apt.id, { status: 'running', startedAt: new Date(), log: 'apt-get update\n' });
    const { next, items, stop } = follow(run.id);
    const snapshot = await next();
    if (snapshot.type !== 'snapshot') throw new Error(`first came ${snapshot.type}`);
    expect(snapshot.run).toMatchObject({ id: run.id, serverName: 'web-1', recipe: 'provision', status: 'running' });
    expect(snapshot.run.tasks.map((x) => [x.name, x.status, x.log])).toEqual([
      ['apt', 'running', 'apt-get update\n'],
      ['nginx', 'pending', ''],
    ]);

    await updateTask(t.db, apt.id, { log: 'apt-get update\nnginx installed\n' });
    expect(await next()).toEqual({ type: 'task', task: { id: apt.id, runId: run.id, append: 'nginx installed\n' } });

    await updateTask(t.db, apt.id, { status: 'changed', summary: 'installed', exitCode: 0, finishedAt: new Date() });
    expect(await next()).toMatchObject({ type: 'task', task: { id: apt.id, status: 'changed', summary: 'installed' } });

    await updateRun(t.db, run.id, { status: 'failed', failedTask: 'nginx', error: 'nginx -t failed', finishedAt: new Date() });
    expect(await next()).toMatchObject({
      type: 'run',
      run: { id: run.id, status: 'failed', failedTask: 'nginx', error: 'nginx -t failed' },
    });
    expect(await next()).toEqual({ type: 'end', status: 'failed', reason: 'finished' });
    expect((await items.next()).done).toBe(true);
    stop.abort();
  });

  it('ends with signed-out when the session stops being valid mid-stream, and sends nothing for an unknown run', async () => {
    const { run } = await provisionRun();
    let allowed = true;
    const { next } = follow(run.id, { stillAllowed: async () => allowed, recheckMs: 0 });
    expect((await next()).type).toBe('snapshot');
    allowed = false;
    expect(await next()).toEqual({ type: 'end', status: 'running', reason: 'signed-out' });
    expect((await liveRunEvents({ db: t.db, runId: UNKNOWN, signal: new AbortController().signal }).next()).done).toBe(true);
    await updateRun(t.db, run.id, { status: 'succeeded', finishedAt: new Date() });
  });

  it('writes named events as text/event-stream and closes after end', async () => {
    const { run } = await provisionRun();
    await updateRun(t.db, run.id, { status: 'succeeded', finishedAt: new Date() });
    const text = await new Response(liveRunStream({ db: t.db, runId: run.id, signal: new AbortController().signal, pollMs: 10 })).text();
    expect(text.startsWith('retry: 3000\n\nevent: snapshot\ndata: {')).toBe(true);
    expect(text.endsWith('event: end\ndata: {"type":"end","status":"succeeded","reason":"finished"}\n\n')).toBe(true);
  });
});

describe('who may follow a run (app/api/runs/[id]/events)', () => {
  const deps = (user: User | null) => ({ db: t.db, currentUser: async () => user, ip: '203.0.113.9' });
  const what = { kind: 'run', find: findRun };

  it('answers 401 to a signed-out request, audited, and 404 to a malformed or unknown id', async () => {
    const { run } = await provisionRun();
    const signedOut = await authorizeFollow(deps(null), run.id, what);
    expect(!signedOut.ok && signedOut.response.status).toBe(401);
    const [audit] = await listAuditEvents(t.db, { action: 'run.watch', limit: 1 });
    expect(audit).toMatchObject({ outcome: 'denied', reason: 'not signed in', target: `run:${run.id}`, ip: '203.0.113.9' });
    for (const id of ['not-a-uuid', UNKNOWN]) {
      const denied = await authorizeFollow(deps(viewer), id, what);
      expect(!denied.ok && denied.response.status).toBe(404);
    }
    const allowed = await authorizeFollow(deps(viewer), run.id, what);
    expect(allowed.ok && allowed.target.id).toBe(run.id);
    await updateRun(t.db, run.id, { status: 'succeeded', finishedAt: new Date() });
  });
});
