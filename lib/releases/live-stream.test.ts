import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { createReleaseRun, insertRelease, updateRelease } from '@/db/queries/releases';
import { createTasks, updateRun, updateTask } from '@/db/queries/runs';
import { watchedRunsAndTasks } from '@/db/queries/release-watch';
import type { App, Release, Server, TaskRun } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { createServer } from '@/lib/servers/create';
import { liveReleaseEvents, liveReleaseStream, type LiveItem, type LiveStreamOptions } from './live-stream';

// The event producer against a real (embedded, or DATABASE_URL) database, written to the way the runner writes.
let t: TestDb;
let app: App;
let servers: Server[];
const ring = parseKeyRing(generateKeyText(1));

beforeAll(async () => {
  t = await createTestDb();
  servers = [];
  for (const name of ['web-1', 'web-2'])
    servers.push(await createServer(t.db, ring, { name, host: '127.0.0.1', port: 22, username: 'root', bindAddress: null }));
  const config = appConfigInput.parse({ slug: 'blog', kind: 'php', domains: ['blog.test'] });
  app = await insertApp(
    t.db,
    { slug: 'blog', name: 'Blog', config },
    servers.map((s) => ({ serverId: s.id, roles: ['web'] })),
  );
});
afterAll(async () => t?.close());

/** A running release with one run per server, each with the first steps of the release recipe. */
async function runningRelease(): Promise<{ release: Release; tasks: TaskRun[][] }> {
  const release = await insertRelease(t.db, { appId: app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
  await updateRelease(t.db, release.id, { status: 'running', startedAt: new Date() });
  const tasks: TaskRun[][] = [];
  for (const server of servers) {
    const run = await createReleaseRun(t.db, { serverId: server.id, appId: app.id, releaseId: release.id, recipe: 'release' });
    tasks.push(await createTasks(t.db, run.id, ['lock', 'fetch', 'extract']));
  }
  return { release, tasks };
}

const follow = (releaseId: string, o: Partial<LiveStreamOptions> = {}) => {
  const stop = new AbortController();
  const items = liveReleaseEvents({ db: t.db, releaseId, signal: stop.signal, pollMs: 10, heartbeatMs: 60_000, ...o });
  const next = async (): Promise<LiveItem> => {
    const { value, done } = await items.next();
    if (done) throw new Error('the stream ended');
    return value;
  };
  return { items, next, stop };
};

describe('the release event stream', () => {
  it('sends a snapshot, then only what changed (the log tail, the status), then end once the release finished', async () => {
    const { release, tasks } = await runningRelease();
    const lock = tasks[0]![0]!;
    await updateTask(t.db, lock.id, { status: 'running', startedAt: new Date(), log: 'taking the lock\n' });
    const { next, items } = follow(release.id);

    const snapshot = await next();
    if (snapshot.type !== 'snapshot') throw new Error(`first came ${snapshot.type}`);
    expect(snapshot.state.release).toMatchObject({ id: release.id, status: 'running', kind: 'deploy', number: 1 });
    expect(snapshot.state.release).not.toHaveProperty('requestedBy');
    expect(snapshot.state.runs.map((r) => [r.serverName, r.recipe, r.tasks.map((x) => x.name)])).toEqual([
      ['web-1', 'release', ['lock', 'fetch', 'extract']],
      ['web-2', 'release', ['lock', 'fetch', 'extract']],
    ]);
    expect(snapshot.state.runs[0]!.tasks[0]).toMatchObject({ status: 'running', log: 'taking the lock\n' });

    await updateTask(t.db, lock.id, { log: 'taking the lock\nlocked by Vera\n' });
    expect(await next()).toEqual({ type: 'task', task: { id: lock.id, runId: lock.runId, append: 'locked by Vera\n' } });

    const finished = new Date();
    await updateTask(t.db, lock.id, { status: 'changed', summary: 'locked', exitCode: 0, finishedAt: finished });
    expect(await next()).toEqual({
      type: 'task',
      task: { id: lock.id, runId: lock.runId, status: 'changed', summary: 'locked', exitCode: 0, finishedAt: finished.toISOString() },
    });

    await updateRun(t.db, lock.runId, { status: 'failed', error: 'Stopped before fetch.' });
    await updateRelease(t.db, release.id, { status: 'failed', failedStep: 'fetch', error: 'unknown ref', finishedAt: new Date() });
    const changes = [await next(), await next()];
    expect(changes.map((c) => c.type).sort()).toEqual(['release', 'run']);
    expect(changes.find((c) => c.type === 'release')).toMatchObject({
      release: { status: 'failed', failedStep: 'fetch', error: 'unknown ref' },
    });
    expect(await next()).toEqual({ type: 'end', status: 'failed', reason: 'finished' });
    expect((await items.next()).done).toBe(true);
  });

  it('ends at once for a finished release, and keeps quiet but for heartbeats while nothing changes', async () => {
    const { release } = await runningRelease();
    const { next, stop } = follow(release.id, { heartbeatMs: 50 });
    expect((await next()).type).toBe('snapshot');
    expect(await next()).toEqual({ type: 'heartbeat' });
    stop.abort();
    await updateRelease(t.db, release.id, { status: 'succeeded', finishedAt: new Date() });
    const again = follow(release.id);
    expect((await again.next()).type).toBe('snapshot');
    expect(await again.next()).toEqual({ type: 'end', status: 'succeeded', reason: 'finished' });
  });

  it('stops polling when the client goes away, and gives up after its time limit', async () => {
    const { release } = await runningRelease();
    const { next, items, stop } = follow(release.id);
    await next();
    const pending = items.next();
    stop.abort();
    expect((await pending).done).toBe(true);
    const bounded = follow(release.id, { maxMs: 30 });
    await bounded.next();
    expect(await bounded.next()).toEqual({ type: 'end', status: 'running', reason: 'timeout' });
    await updateRelease(t.db, release.id, { status: 'succeeded', finishedAt: new Date() });
  });

  it('writes text/event-stream: a retry hint, named events with JSON data, and closes after end', async () => {
    const { release } = await runningRelease();
    await updateRelease(t.db, release.id, { status: 'succeeded', finishedAt: new Date() });
    const text = await new Response(liveReleaseStream({ db: t.db, releaseId: release.id, signal: new AbortController().signal })).text();
    const blocks = text.split('\n\n').filter(Boolean);
    expect(blocks[0]).toBe('retry: 3000');
    expect(blocks[1]).toMatch(/^event: snapshot\ndata: \{"type":"snapshot"/);
    expect(blocks[2]).toBe('event: end\ndata: {"type":"end","status":"succeeded","reason":"finished"}');
  });

  it('ends when the session stops being valid mid-stream', async () => {
    const { release } = await runningRelease();
    let allowed = true;
    const { next } = follow(release.id, { stillAllowed: async () => allowed, recheckMs: 0 });
    await next();
    allowed = false;
    expect(await next()).toEqual({ type: 'end', status: 'running', reason: 'signed-out' });
    await updateRelease(t.db, release.id, { status: 'succeeded', finishedAt: new Date() });
  });

  it('reads no log of a task it already holds as finished', async () => {
    const { release, tasks } = await runningRelease();
    const rows = await watchedRunsAndTasks(t.db, release.id, [tasks[0]![0]!.id]);
    await updateRelease(t.db, release.id, { status: 'succeeded', finishedAt: new Date() });
    expect(rows.filter((r) => r.log === null).map((r) => r.taskId)).toEqual([tasks[0]![0]!.id]);
  });
});
