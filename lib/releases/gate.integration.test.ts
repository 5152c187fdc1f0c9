import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateAppConfig } from '@/db/queries/apps';
import { runsOfRelease } from '@/db/queries/releases';
import { tasksOf } from '@/db/queries/runs';
import { loadHosts } from '@/test-support/testbed-load';
import { releaseBed } from '@/test-support/testbed-release';
import type { AppConfig } from '@/lib/model/app-config';

// The pre-switch gate on the two real test hosts: a broken build is asked through the app's own
// FPM pool before `current` moves, so no client is ever answered by it.
let bed: Awaited<ReturnType<typeof releaseBed>>;
const currents = () => Promise.all(bed.hosts.map((h) => bed.current(h)));
const withHealth = (health: Partial<AppConfig['healthCheck']>) => ({
  ...bed.config,
  healthCheck: { ...bed.config.healthCheck, ...health },
});

beforeAll(async () => {
  bed = await releaseBed('gateapp', { healthCheck: { path: '/', timeoutS: 3 } });
  expect(await bed.release()).toMatchObject({ status: 'succeeded', number: 1 });
});
afterAll(async () => {
  await bed?.cleanup();
});

async function gateLines(releaseId: string): Promise<string[]> {
  const runs = await runsOfRelease(bed.t.db, releaseId);
  const tasks = (await Promise.all(runs.map((r) => tasksOf(bed.t.db, r.id)))).flat();
  return tasks.filter((t) => t.name === 'gate').map((t) => `${t.status}: ${t.log ?? ''}`);
}

describe('the pre-switch gate', () => {
  it('refuses a syntax error under load: current never moves, and the load sees 0 non-2xx', async () => {
    const load = loadHosts(
      bed.hosts.map((h) => h.address),
      'gateapp.test',
      { clients: 2, capMs: 60_000 },
    );
    try {
      bed.repo.commit({ 'public/index.php': '<?php echo "broken" ;; if ( {\n' }, 'syntax error');
      const r = await bed.release();
      expect(r, r.error ?? '').toMatchObject({ status: 'failed', failedStep: 'gate', bad: false });
      expect(r.error).toMatch(
        /Gate refused releases\/2 on gateapp-\d: gateapp\.test\/ \/index\.php answered 500, expected 200\. Nothing was switched\./,
      );
      expect(await currents()).toEqual(['releases/1', 'releases/1']);
      expect((await gateLines(r.id)).join('\n')).toMatch(/through the app’s FPM pool/);
    } finally {
      const stats = await load.stop();
      for (const s of stats.values()) {
        expect(s.requests).toBeGreaterThan(20);
        expect(s.failures).toEqual([]);
      }
    }
  });

  it('refuses a fatal error in the bootstrap (a missing required file)', async () => {
    bed.repo.commit({ 'public/index.php': '<?php require __DIR__."/../bootstrap/app.php"; echo "fixture release";\n' }, 'fatal bootstrap');
    const r = await bed.release();
    expect(r, r.error ?? '').toMatchObject({ status: 'failed', failedStep: 'gate' });
    expect(await currents()).toEqual(['releases/1', 'releases/1']);
  });

  it('refuses a health path that answers 500 through the front controller, with REQUEST_URI as nginx sets it', async () => {
    // Laravel-style routing: index.php decides by REQUEST_URI; /up fails, everything else works.
    bed.repo.commit(
      {
        'public/index.php':
          '<?php if (parse_url($_SERVER["REQUEST_URI"], PHP_URL_PATH) === "/up") { http_response_code($_SERVER["HTTP_HOST"] === "gateapp.test" ? 500 : 200); echo "down"; exit; } echo "fixture release";\n',
      },
      'up answers 500',
    );
    await updateAppConfig(bed.t.db, bed.app.id, withHealth({ path: '/up' }));
    const r = await bed.release();
    expect(r, r.error ?? '').toMatchObject({ status: 'failed', failedStep: 'gate' });
    expect(r.error).toMatch(/gateapp\.test\/up \/index\.php answered 500/);
    expect(await currents()).toEqual(['releases/1', 'releases/1']);
  });

  it('cuts a gate that hangs at the health check timeout, and the release fails with the reason', async () => {
    bed.repo.commit({ 'public/index.php': '<?php sleep(30); echo "late";\n' }, 'hangs');
    await updateAppConfig(bed.t.db, bed.app.id, withHealth({ path: '/', timeoutS: 2 }));
    const started = Date.now();
    const r = await bed.release();
    expect(r, r.error ?? '').toMatchObject({ status: 'failed', failedStep: 'gate' });
    expect(r.error).toMatch(/no answer within 2 s/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await currents()).toEqual(['releases/1', 'releases/1']);
  });

  it('checks a static health file for existence and readability, and passes a good build', async () => {
    bed.repo.commit({ 'public/index.php': '<?php echo "fixture release v2";\n' }, 'good again');
    await updateAppConfig(bed.t.db, bed.app.id, withHealth({ path: '/health.txt', timeoutS: 3 }));
    bed.repo.commit({ 'public/health.txt': 'ok\n' }, 'health file');
    const good = await bed.release();
    expect(good, good.error ?? '').toMatchObject({ status: 'succeeded' });
    expect((await gateLines(good.id)).join('\n')).toMatch(/health\.txt is readable/);
    expect(await currents()).toEqual([`releases/${good.number}`, `releases/${good.number}`]);
    await expect.poll(() => bed.served(bed.hosts[0]!)).toContain('fixture release v2');
  });
});
