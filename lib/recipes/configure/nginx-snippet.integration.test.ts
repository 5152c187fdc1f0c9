import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, findRun, tasksOf } from '@/db/queries/runs';
import type { Server } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { getWithHost, testHost } from '@/test-support/testbed-hosts';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import { appLayout } from '@/lib/plan/app-layout';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import type { Transport } from '@/lib/remote/transport';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { runRecipe } from '@/lib/jobs/runner';
import { configureRecipe } from './index';

// Issue 4: a custom nginx snippet that nginx -t refuses never goes live. The old config keeps
// serving, proved with requests before and after, on a real host (scripts/testbed).
let t: TestDb;
let server: Server;
let transport: Transport;
const ring = parseKeyRing(generateKeyText(1));
const host = testHost('berth-host-1');
const snipapp: AppConfig = appConfigInput.parse({ slug: 'snipapp', kind: 'static', domains: ['snipapp.test'] });
const snipnew: AppConfig = appConfigInput.parse({ slug: 'snipnew', kind: 'static', domains: ['snipnew.test'] });
const BROKEN = 'this_is_not_a_directive on;';

async function configure(app: AppConfig) {
  const run = await createRun(t.db, { serverId: server.id, recipe: 'configure' });
  const ctx = {
    app,
    server: { id: server.id, name: server.name, bindAddress: server.bindAddress, phpVersions: server.phpVersions },
    roles: ['web' as const],
    facts: server.facts ?? undefined,
    reload: new Set<never>(),
  };
  const result = await runRecipe(t.db, run.id, configureRecipe, ctx, transport, new AbortController().signal);
  const tasks = Object.fromEntries((await tasksOf(t.db, run.id)).map((x) => [x.name, x]));
  return { result, tasks, run: (await findRun(t.db, run.id))! };
}

/** nginx reloads gracefully: poll until the answer fits (or give up after 5 s and return the last one). */
/**
 * `nginx -s reload` returns before the new workers answer, and an old worker may close a
 * connection it had accepted ("socket hang up"): retry for up to 5 s, then report the last answer.
 */
async function served(domain: string, fits: (r: Awaited<ReturnType<typeof getWithHost>>) => boolean) {
  let last: Awaited<ReturnType<typeof getWithHost>> | Error = new Error('no answer yet');
  for (let i = 0; i < 50; i++) {
    last = await getWithHost(host.address, domain).catch((err: Error) => err);
    if (!(last instanceof Error) && fits(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (last instanceof Error) throw last;
  return last;
}

const placeholder = (slug: string) => (r: { status: number; body: string }) =>
  r.status === 200 && r.body.includes(`${slug} is configured by Berth`);
const exists = async (path: string) => (await transport.exec(cmd('test', '-e', path), { okExitCodes: [0, 1] })).code === 0;

beforeAll(async () => {
  t = await createTestDb();
  ({ server, transport } = await pinnedTestServer(t.db, ring, 'berth-host-1', 'snip-host-1'));
});

afterAll(async () => {
  if (transport) {
    for (const slug of ['snipapp', 'snipnew']) {
      const l = appLayout(slug);
      await transport.exec(cmd('rm', '-rf', l.vhostPath, l.base, l.logDir));
      await transport.exec(and(ignoreFailure(cmd('userdel', '-f', slug)), ignoreFailure(cmd('groupdel', slug))));
    }
    await transport.exec(cmd('nginx', '-s', 'reload'));
  }
  await closeAll();
  await t.close();
});

describe('a broken nginx snippet', () => {
  it('is refused by nginx -t: the vhost stays byte for byte, nothing reloads, and the old config keeps serving', async () => {
    expect((await configure(snipapp)).result).toEqual({ ok: true });
    expect(await served('snipapp.test', placeholder('snipapp'))).toMatchObject({ status: 200 });
    const vhostPath = appLayout('snipapp').vhostPath;
    const before = await transport.readFile(vhostPath);

    const broken = await configure({ ...snipapp, nginxSnippet: BROKEN });
    expect(broken.result).toMatchObject({ ok: false, failedTask: 'vhost' });
    // nginx's own words reach the stored run and the task log.
    expect(broken.run.error).toMatch(/unknown directive "this_is_not_a_directive" in \/etc\/nginx\/sites-enabled\/berth-snipapp\.conf:\d+/);
    expect(broken.run).toMatchObject({ status: 'failed', failedTask: 'vhost' });
    expect(broken.tasks.vhost!.log).toContain(`validation failed: restored ${vhostPath}`);
    expect(broken.tasks.services!.status).toBe('skipped'); // no reload was attempted

    expect((await transport.readFile(vhostPath)).equals(before)).toBe(true);
    expect((await transport.exec(cmd('nginx', '-t', '-q'), { okExitCodes: [0, 1] })).code).toBe(0);
    const after = await getWithHost(host.address, 'snipapp.test');
    expect(placeholder('snipapp')(after)).toBe(true);
    expect(after.headers['x-berth-snippet']).toBeUndefined();
  });

  it('a valid snippet then applies, and its header is served', async () => {
    const ok = await configure({ ...snipapp, nginxSnippet: 'add_header X-Berth-Snippet yes always;' });
    expect(ok.result).toEqual({ ok: true });
    expect(ok.tasks.vhost!.status).toBe('changed');
    const res = await served('snipapp.test', (r) => r.headers['x-berth-snippet'] === 'yes');
    expect(res.headers['x-berth-snippet']).toBe('yes');
    expect(placeholder('snipapp')(res)).toBe(true);
  });

  it('a new app whose first vhost is broken leaves no file behind, and nginx keeps serving the other apps', async () => {
    const broken = await configure({ ...snipnew, nginxSnippet: BROKEN });
    expect(broken.result).toMatchObject({ ok: false, failedTask: 'vhost' });
    expect(broken.run.error).toMatch(/unknown directive "this_is_not_a_directive" in \/etc\/nginx\/sites-enabled\/berth-snipnew\.conf/);
    expect(await exists(appLayout('snipnew').vhostPath)).toBe(false);
    expect((await transport.exec(cmd('nginx', '-t', '-q'), { okExitCodes: [0, 1] })).code).toBe(0);
    const other = await getWithHost(host.address, 'snipapp.test');
    expect(placeholder('snipapp')(other)).toBe(true);
    expect(other.headers['x-berth-snippet']).toBe('yes');
    expect((await getWithHost(host.address, 'snipnew.test')).body).not.toContain('snipnew is configured by Berth');
  });
});
