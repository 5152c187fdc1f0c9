import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp, updateAppConfig } from '@/db/queries/apps';
import { createRun, findRun, tasksOf } from '@/db/queries/runs';
import { findServer } from '@/db/queries/servers';
import type { App } from '@/db/schema';
import { testbedServer } from '@/test-support/testbed-server';
import { appConfigInput, type AppConfig } from '@/lib/model/app-config';
import { runConfigure } from './configure-job';

// The configure job on a real host: a reload that a failed run left owed is paid by the next run.
let bed: Awaited<ReturnType<typeof testbedServer>>;
let app: App;
const owed: AppConfig = appConfigInput.parse({ slug: 'owed', kind: 'php', domains: ['owed.test'] });

async function configure() {
  const run = await createRun(bed.t.db, { serverId: bed.server.id, recipe: 'configure', appId: app.id });
  await runConfigure(bed.t.db, bed.ring, run.id, new AbortController().signal);
  const tasks = Object.fromEntries((await tasksOf(bed.t.db, run.id)).map((x) => [x.name, x.status]));
  return { run: (await findRun(bed.t.db, run.id))!, tasks, pendingReload: (await findServer(bed.t.db, bed.server.id))!.pendingReload };
}

beforeAll(async () => {
  bed = await testbedServer('berth-host-1', 'owed-test');
  app = await insertApp(bed.t.db, { slug: owed.slug, name: 'Owed', config: owed }, [{ serverId: bed.server.id, roles: ['web', 'worker'] }]);
});
afterAll(async () => bed && (await bed.cleanup(['owed'])));

describe('the configure job', () => {
  it('keeps a reload owed when a later task fails, and pays it on the next run', async () => {
    expect((await configure()).run.status).toBe('succeeded');

    // The pool changes (written, fpm owed a reload), then the vhost is refused: the run stops before services.
    await updateAppConfig(bed.t.db, app.id, { ...owed, pool: { ...owed.pool, maxChildren: 7 }, nginxSnippet: 'not_a_directive on;' });
    const failed = await configure();
    expect(failed.run).toMatchObject({ status: 'failed', failedTask: 'vhost' });
    expect(failed.tasks).toMatchObject({ 'fpm-pool': 'changed', services: 'skipped' });
    expect(failed.pendingReload).toEqual(['php8.2-fpm']);

    // Fixed: the pool is unchanged now, yet the owed php-fpm reload happens.
    await updateAppConfig(bed.t.db, app.id, { ...owed, pool: { ...owed.pool, maxChildren: 7 } });
    const fixed = await configure();
    expect(fixed.run.status).toBe('succeeded');
    expect(fixed.tasks).toMatchObject({ 'fpm-pool': 'unchanged', services: 'changed' });
    expect(fixed.pendingReload).toEqual([]);
  });
});
