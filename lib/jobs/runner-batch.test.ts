import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, findRun, interruptRun, tasksOf } from '@/db/queries/runs';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { RecordingTransport } from '@/test-support/recording-transport';
import { createServer } from '@/lib/servers/create';
import { changed, unchanged, type Recipe } from '@/lib/recipes/task';
import { runAcross } from './runner';

// The runner writes task rows in batches (one statement per step boundary for all servers): every
// step's outcome must still be stored, and a step that started must be visible as running at once.
const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
const servers: string[] = [];

beforeAll(async () => {
  t = await createTestDb();
  for (const name of ['batch-1', 'batch-2'])
    servers.push((await createServer(t.db, ring, { name, host: '127.0.0.1', port: 22, username: 'root', bindAddress: null })).id);
});
afterAll(async () => t.close());

type Ctx = { n: number };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const parts = async (recipe: string) =>
  Promise.all(
    servers.map(async (serverId, n) => ({
      runId: (await createRun(t.db, { serverId, recipe })).id,
      ctx: { n },
      transport: new RecordingTransport(`batch-${n + 1}`),
    })),
  );

describe('runAcross, batched writes', () => {
  it('stores every task of every server: status, summary, exit code, times and log', async () => {
    const recipe: Recipe<Ctx> = {
      name: 'batch',
      tasks: [
        // Server 2 ends later, so server 1's row is written at once and server 2's at the boundary.
        {
          name: 'first',
          async run(ctx, { log }) {
            await wait(ctx.n * 30);
            log(`first on ${ctx.n}`);
            return changed(`one ${ctx.n}`);
          },
        },
        { name: 'second', run: async (ctx) => unchanged(`two ${ctx.n}`) },
        {
          name: 'slow-log',
          // Longer than the log's flush interval: its lines reach the row while it still runs.
          async run(_ctx, { log }) {
            log('early line');
            await wait(600);
            log('late line');
            return changed('logged');
          },
        },
      ],
    };
    const ps = await parts('batch');
    expect(await runAcross(t.db, recipe, ps, new AbortController().signal)).toEqual([{ ok: true }, { ok: true }]);
    for (const [n, p] of ps.entries()) {
      expect(await findRun(t.db, p.runId)).toMatchObject({ status: 'succeeded' });
      const rows = await tasksOf(t.db, p.runId);
      expect(rows.map((r) => [r.name, r.status, r.summary, r.exitCode])).toEqual([
        ['first', 'changed', `one ${n}`, 0],
        ['second', 'unchanged', `two ${n}`, 0],
        ['slow-log', 'changed', 'logged', 0],
      ]);
      expect(rows[0]!.log).toBe(`first on ${n}\n`);
      expect(rows[2]!.log).toBe('early line\nlate line\n');
      for (const r of rows) expect(r.finishedAt!.getTime()).toBeGreaterThanOrEqual(r.startedAt!.getTime());
      // Each step starts only once the previous one ended on every server.
      expect(rows[1]!.startedAt!.getTime()).toBeGreaterThanOrEqual(rows[0]!.finishedAt!.getTime());
    }
  });

  it('a started step is running on every server before its tasks return; a crash then leaves it interrupted there', async () => {
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    let logged = () => {};
    const seen = new Promise<void>((r) => (logged = r));
    const recipe: Recipe<Ctx> = {
      name: 'crash',
      tasks: [
        { name: 'done-before', run: async () => changed('ok') },
        {
          name: 'hangs',
          async run(_ctx, { log }) {
            log('working');
            logged();
            await held;
            return changed('late');
          },
        },
        { name: 'never', run: async () => changed('no') },
      ],
    };
    const ps = await parts('crash');
    const running = runAcross(t.db, recipe, ps, new AbortController().signal);
    await seen;
    await wait(600); // the interim log write lands
    // What a panel killed right now leaves in the database:
    for (const p of ps) {
      const rows = await tasksOf(t.db, p.runId);
      expect(rows.map((r) => r.status)).toEqual(['changed', 'running', 'pending']);
      expect(rows[1]!.log).toBe('working\n');
    }
    // The start-up sweep of a panel that died marks it interrupted at that task.
    await interruptRun(t.db, ps[0]!.runId);
    expect(await findRun(t.db, ps[0]!.runId)).toMatchObject({ status: 'interrupted' });
    expect((await tasksOf(t.db, ps[0]!.runId)).map((r) => [r.name, r.status, r.summary])).toEqual([
      ['done-before', 'changed', 'ok'],
      ['hangs', 'failed', 'interrupted'],
      ['never', 'pending', null],
    ]);
    release();
    await running;
  });

  it('a failure on one server is stored at once, the other server stops, and every later task is skipped', async () => {
    const recipe: Recipe<Ctx> = {
      name: 'fail',
      tasks: [
        {
          name: 'breaks',
          run: async (ctx) => {
            if (ctx.n === 1) throw Object.assign(new Error('broke here\nmore detail'), { exitCode: 3 });
            return changed('fine');
          },
        },
        { name: 'after', run: async () => changed('never') },
      ],
    };
    const ps = await parts('fail');
    const results = await runAcross(t.db, recipe, ps, new AbortController().signal);
    expect(results[1]).toMatchObject({ ok: false, failedTask: 'breaks' });
    expect(results[0]).toMatchObject({
      ok: false,
      stopped: true,
      failedTask: 'after',
      error: 'Stopped before after: breaks failed on batch-2.',
    });
    const [one, two] = await Promise.all(ps.map((p) => tasksOf(t.db, p.runId)));
    expect(one!.map((r) => [r.status, r.summary])).toEqual([
      ['changed', 'fine'],
      ['skipped', 'stopped'],
    ]);
    expect(two!.map((r) => [r.status, r.summary, r.exitCode])).toEqual([
      ['failed', 'broke here', 3],
      ['skipped', 'stopped', null],
    ]);
    expect(two![0]!.log).toBe('broke here\nmore detail\n');
    expect(await findRun(t.db, ps[1]!.runId)).toMatchObject({ status: 'failed', failedTask: 'breaks' });
    expect(await findRun(t.db, ps[0]!.runId)).toMatchObject({ status: 'failed', failedTask: 'after' });
  });
});
