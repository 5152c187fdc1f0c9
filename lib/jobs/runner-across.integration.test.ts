import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, findRun, tasksOf } from '@/db/queries/runs';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { cmd } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { runAcross } from './runner';
import { changed, type Recipe } from '@/lib/recipes/task';

// Two real hosts, one recipe: each step finishes everywhere before the next starts anywhere.
let t: TestDb;
const parts: { serverId: string; transport: Transport }[] = [];

beforeAll(async () => {
  t = await createTestDb();
  const ring = parseKeyRing(generateKeyText(1));
  for (const [host, name] of [
    ['berth-host-1', 'across-1'],
    ['berth-host-2', 'across-2'],
  ] as const) {
    const { server, transport } = await pinnedTestServer(t.db, ring, host, name);
    parts.push({ serverId: server.id, transport });
  }
});
afterAll(async () => {
  await closeAll();
  await t.close();
});

type Ctx = { host: string; failAt?: string };
const sleepTask = (name: string, seconds: string) => ({
  name,
  run: async (ctx: Ctx, io: { transport: Transport }) => {
    if (ctx.failAt === name) await io.transport.exec(cmd('sh', '-c', 'echo "boom on $(hostname)" >&2; exit 3'));
    await io.transport.exec(cmd('sleep', seconds));
    return changed(`${name} on ${ctx.host}`);
  },
});
const recipe: Recipe<Ctx> = { name: 'steps', tasks: [sleepTask('one', '0.3'), sleepTask('two', '0.1'), sleepTask('three', '0.1')] };

async function across(failAt?: string) {
  const runs = await Promise.all(parts.map((p) => createRun(t.db, { serverId: p.serverId, recipe: 'steps' })));
  const results = await runAcross(
    t.db,
    recipe,
    parts.map((p, i) => ({ runId: runs[i]!.id, ctx: { host: `h${i + 1}`, failAt: i === 1 ? failAt : undefined }, transport: p.transport })),
    new AbortController().signal,
  );
  const tasks = await Promise.all(runs.map((r) => tasksOf(t.db, r.id)));
  return { results, tasks, runs: await Promise.all(runs.map(async (r) => (await findRun(t.db, r.id))!)) };
}

describe('runAcross', () => {
  it('runs a step on both servers at once, and starts the next only when both are done', async () => {
    const { results, tasks } = await across();
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    const [a, b] = tasks as [(typeof tasks)[0], (typeof tasks)[0]];
    // "one" overlapped on the two hosts (parallel within a step)…
    expect(a[0]!.startedAt!.getTime()).toBeLessThan(b[0]!.finishedAt!.getTime());
    expect(b[0]!.startedAt!.getTime()).toBeLessThan(a[0]!.finishedAt!.getTime());
    // …and "two" started nowhere before "one" had finished everywhere (the barrier).
    const oneDone = Math.max(a[0]!.finishedAt!.getTime(), b[0]!.finishedAt!.getTime());
    expect(Math.min(a[1]!.startedAt!.getTime(), b[1]!.startedAt!.getTime())).toBeGreaterThanOrEqual(oneDone);
  });

  it('stops every server when a step fails on one, naming the step and the reason', async () => {
    const { results, tasks, runs } = await across('two');
    expect(results[1]).toMatchObject({ ok: false, failedTask: 'two', error: expect.stringContaining('boom on') });
    expect(results[0]).toEqual({ ok: false, failedTask: 'three', error: 'Stopped before three: two failed on across-2.', stopped: true });
    expect(runs.map((r) => r.status)).toEqual(['failed', 'failed']);
    // host 1 finished "two" (it was in flight), but no one started "three"; a retry resumes there.
    expect(runs.map((r) => r.failedTask)).toEqual(['three', 'two']);
    expect(tasks.map((ts) => ts.map((x) => x.status))).toEqual([
      ['changed', 'changed', 'skipped'],
      ['changed', 'failed', 'skipped'],
    ]);
  });
});
