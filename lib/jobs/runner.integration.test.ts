import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRun, createRun, tasksOf } from '@/db/queries/runs';
import { findServer, updateServer } from '@/db/queries/servers';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { cmd } from '@/lib/remote/command';
import { closeAll, handshakeCount } from '@/lib/remote/connection';
import { createServer } from '@/lib/servers/create';
import { transportFor } from '@/lib/servers/remote';
import { authorizeKey, dropSessions, testHost } from '@/test-support/testbed-hosts';
import { runRecipe } from './runner';
import { changed, unchanged, type Recipe } from '@/lib/recipes/task';

// Against the real test bed (scripts/testbed/up.sh): a recipe over one real SSH connection.
let t: TestDb;
const ring = parseKeyRing(generateKeyText(1));
let serverId: string;

beforeAll(async () => {
  t = await createTestDb();
  const host = testHost('berth-host-1');
  const server = await createServer(t.db, ring, {
    name: 'runner-test',
    host: host.address,
    port: host.port,
    username: 'root',
    bindAddress: null,
  });
  authorizeKey(host.name, server.publicKey!);
  await updateServer(t.db, server.id, { hostKeyFingerprint: host.hostKeyFingerprint });
  serverId = server.id;
});
afterAll(async () => {
  await closeAll();
  await t.close();
});

async function runOnce(recipe: Recipe<null>, startAt: string | null = null) {
  const server = (await findServer(t.db, serverId))!;
  const run = await createRun(t.db, { serverId, recipe: recipe.name, startAt });
  const transport = await transportFor(server, ring);
  const result = await runRecipe(t.db, run.id, recipe, null, transport, new AbortController().signal);
  return { result, run: (await findRun(t.db, run.id))!, tasks: await tasksOf(t.db, run.id) };
}

describe('runRecipe on a real server', () => {
  it('records each task, stops at the first failure with its name and stderr, and resumes there', async () => {
    const recipe: Recipe<null> = {
      name: 'demo',
      tasks: [
        {
          name: 'say-hello',
          run: async (_c, io) => {
            io.log((await io.transport.exec(cmd('echo', 'hello'))).stdout.trim());
            return changed('said hello');
          },
        },
        {
          name: 'break',
          run: async (_c, io) => {
            await io.transport.exec(cmd('ls', '/no/such/dir'));
            return unchanged('never');
          },
        },
        { name: 'after', run: async () => unchanged('not reached') },
      ],
    };
    const first = await runOnce(recipe);
    expect(first.result).toMatchObject({ ok: false, failedTask: 'break' });
    expect(first.run).toMatchObject({ status: 'failed', failedTask: 'break' });
    expect(first.tasks.map((x) => [x.name, x.status])).toEqual([
      ['say-hello', 'changed'],
      ['break', 'failed'],
      ['after', 'skipped'],
    ]);
    expect(first.tasks[0]!.log).toBe('hello\n');
    expect(first.tasks[1]).toMatchObject({ exitCode: 2 });
    expect(first.tasks[1]!.log).toMatch(/'ls' '\/no\/such\/dir' exited with code 2[\s\S]*No such file or directory/);

    const retry = await runOnce(
      { ...recipe, tasks: [recipe.tasks[0]!, { name: 'break', run: async () => unchanged('fixed') }, recipe.tasks[2]!] },
      'break',
    );
    expect(retry.tasks.map((x) => [x.name, x.status])).toEqual([
      ['say-hello', 'skipped'],
      ['break', 'unchanged'],
      ['after', 'unchanged'],
    ]);
    expect(retry.run.status).toBe('succeeded');
  });

  it('marks the task failed and keeps its log when the connection drops mid-task; the next run reconnects', async () => {
    const before = handshakeCount(serverId);
    const recipe: Recipe<null> = {
      name: 'drop',
      tasks: [
        {
          name: 'long',
          run: async (_c, io) => {
            await io.transport.exec(cmd('sh', '-c', 'echo started; sleep 20'), { onLine: (_s, line) => io.log(line) });
            return unchanged('never');
          },
        },
      ],
    };
    const pending = runOnce(recipe);
    await new Promise((r) => setTimeout(r, 1500));
    dropSessions('berth-host-1');
    const dropped = await pending;
    expect(dropped.run.status).toBe('failed');
    expect(dropped.tasks[0]!.status).toBe('failed');
    expect(dropped.tasks[0]!.log).toMatch(/^started\n/);
    expect(dropped.tasks[0]!.log).toMatch(/connection|lost|closed/i);

    const again = await runOnce({
      name: 'again',
      tasks: [
        {
          name: 'ping',
          run: async (_c, io) => {
            await io.transport.exec(cmd('true'));
            return unchanged('ok');
          },
        },
      ],
    });
    expect(again.run.status).toBe('succeeded');
    expect(handshakeCount(serverId)).toBeGreaterThan(before);
  });
});
