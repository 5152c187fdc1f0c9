import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateAppConfig } from '@/db/queries/apps';
import { findRelease, insertRelease } from '@/db/queries/releases';
import { isUniqueViolation } from '@/lib/servers/requests';
import { cmd } from '@/lib/remote/command';
import { runRelease } from './release-job';
import { releaseBed } from '@/test-support/testbed-release';

// Releases on both test hosts from a fixture repository made at test time, through real nginx and PHP-FPM.
let bed: Awaited<ReturnType<typeof releaseBed>>;
let firstId: string;
let firstSha: string;

beforeAll(async () => {
  bed = await releaseBed('relapp', {
    sharedPaths: ['storage', '.env'],
    writablePaths: ['bootstrap/cache'],
    healthCheck: { path: '/health.php', timeoutS: 3 },
    release: { buildCommands: [['touch', 'built.txt']] },
  });
});
afterAll(async () => bed && (await bed.cleanup()));

const release = (...args: Parameters<typeof bed.release>) => bed.release(...args);
const current = (h: (typeof bed.hosts)[number]) => bed.current(h);
const served = (h: (typeof bed.hosts)[number]) => bed.served(h);

describe('releases across two servers', () => {
  it('deploys a commit to both servers: extracted, shared paths linked, built, switched, healthy', async () => {
    const first = await release('main');
    firstId = first.id;
    firstSha = first.sha!;
    expect(first).toMatchObject({ status: 'succeeded', number: 1, sha: bed.repo.head(), subject: 'initial' });
    for (const h of bed.hosts) {
      expect(await current(h)).toBe('releases/1');
      await expect.poll(() => served(h)).toContain(`fixture release ${bed.repo.head()}`);
      expect((await h.transport.exec(cmd('readlink', '/var/www/relapp/releases/1/storage'))).stdout.trim()).toBe('../../shared/storage');
      expect(
        (await h.transport.exec(cmd('stat', '-c', '%U %F', '/var/www/relapp/shared/.env', '/var/www/relapp/releases/1/built.txt'))).stdout,
      ).toBe('relapp regular empty file\nrelapp regular empty file\n');
    }
  });

  it('switches to a new commit, and rolls back to the first in one step, marking the second bad', async () => {
    const second = bed.repo.commit({ 'public/extra.txt': 'two\n' }, 'second');
    const two = await release('main');
    expect(two).toMatchObject({ status: 'succeeded', number: 2, sha: second });
    for (const h of bed.hosts) await expect.poll(() => served(h)).toContain(`fixture release ${second}`);

    const back = await release('releases/1', 'rollback', firstId);
    expect(back).toMatchObject({ status: 'succeeded', kind: 'rollback', sha: firstSha });
    for (const h of bed.hosts) {
      expect(await current(h)).toBe('releases/1');
      await expect.poll(() => served(h)).toContain(`fixture release ${firstSha}`);
    }
    expect((await findRelease(bed.t.db, two.id))!.bad).toBe(true);
    // Forward again for the tests below.
    expect(await release('main')).toMatchObject({ status: 'succeeded', number: 3 });
  });

  it('refuses an unknown branch and a failing build without touching current', async () => {
    const unknown = await release('no-such-branch');
    expect(unknown).toMatchObject({ status: 'failed', failedStep: 'fetch', error: 'Unknown branch or sha: no-such-branch' });
    await updateAppConfig(bed.t.db, bed.app.id, {
      ...bed.config,
      release: { ...bed.config.release, buildCommands: [['sh', '-c', 'echo compile error >&2; exit 2']] },
    });
    const broken = await release('main');
    expect(broken).toMatchObject({ status: 'failed', failedStep: 'build' });
    expect(broken.error).toContain('compile error');
    for (const h of bed.hosts) expect(await current(h)).toBe('releases/3');
    await updateAppConfig(bed.t.db, bed.app.id, bed.config);
  });

  it('rolls back by itself when the new release fails its health check after the switch (gate off)', async () => {
    const before = bed.repo.head();
    bed.repo.commit({ 'public/health.php': '<?php http_response_code(500); echo "down";\n' }, 'broken health');
    await updateAppConfig(bed.t.db, bed.app.id, { ...bed.config, release: { ...bed.config.release, gate: false } });
    const bad = await release('main').finally(() => updateAppConfig(bed.t.db, bed.app.id, bed.config));
    expect(bad).toMatchObject({ status: 'rolled_back', bad: true, failedStep: 'health-check' });
    expect(bad.error).toMatch(/Health check failed on relapp-\d: relapp\.test\/health\.php gave status 500, expected 200/);
    expect(bad.error).toContain('Rolled back to releases/');
    for (const h of bed.hosts) {
      expect(await current(h)).not.toBe(`releases/${bad.number}`);
      await expect.poll(() => served(h)).toContain(`fixture release ${before}`);
    }
  });

  it('takes the app lock on insert: a second release while one is queued is refused', async () => {
    const held = await insertRelease(bed.t.db, { appId: bed.app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
    const second = await insertRelease(bed.t.db, { appId: bed.app.id, kind: 'deploy', ref: 'main', trigger: 'button' }).catch((err) => err);
    expect(isUniqueViolation(second)).toBe(true);
    await runRelease(bed.t.db, bed.ring, held.id, new AbortController().signal, bed.dataDir);
  });
});
