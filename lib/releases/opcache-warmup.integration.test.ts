import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsOfRelease } from '@/db/queries/releases';
import { tasksOf } from '@/db/queries/runs';
import type { OpcacheStatus } from '@/lib/fpm/opcache';
import { readPoolOpcache } from '@/lib/fpm/opcache-read';
import { appLayout } from '@/lib/plan/app-layout';
import type { ReleaseContext } from '@/lib/recipes/release/context';
import { opcacheWarmup, warmRelease } from '@/lib/recipes/release/opcache-warmup';
import { and, asUser, cmd } from '@/lib/remote/command';
import { releaseBed, type BedHost } from '@/test-support/testbed-release';

// OPcache warm-up on the two real test hosts: the files of a release that is NOT current are
// compiled into the pool's OPcache (read back through the same FastCGI path with a second
// script), and were not there before the warm-up ran.
const SLUG = 'warmapp';
const CLASSES = 40;
/** The fixture app's own pages: index.php, health.php and notes.php (test-support/fixtures/php-app/public). */
const PAGES = 3;
const l = appLayout(SLUG);
let bed: Awaited<ReturnType<typeof releaseBed>>;
let firstId: string;
const signal = new AbortController().signal;

// index.php loads every class, as a framework's bootstrap would; Broken.php is never loaded.
const files: Record<string, string> = {
  'public/index.php': `<?php foreach (glob(__DIR__ . '/../src/*.php') as $f) if (basename($f) !== 'Broken.php') require_once $f; echo "fixture release classes " . count(get_declared_classes()) . "\\n";\n`,
  'src/Broken.php': '<?php class Broken { function ( }\n',
};
for (let i = 1; i <= CLASSES; i++) files[`src/C${i}.php`] = `<?php final class C${i} { public function n(): int { return ${i}; } }\n`;

async function opcache(h: BedHost): Promise<Extract<OpcacheStatus, { enabled: true }>> {
  // The dashboard's own read: the same FastCGI path, a second script, in the app's pool.
  const status = await readPoolOpcache(h.transport, SLUG);
  if (!status.enabled) throw new Error(`OPcache is disabled on ${h.server.name}`);
  return status;
}
const cachedIn = async (h: BedHost, n: number) => (await opcache(h)).releases[String(n)]?.scripts ?? 0;

/** A release directory that exists but is not current: a copy of releases/1 with old mtimes (as an extracted archive has). */
async function stage(h: BedHost, n: number) {
  const dir = `${l.releases}/${n}`;
  await h.transport.exec(
    asUser(
      l.user,
      and(
        cmd('rm', '-rf', dir),
        cmd('cp', '-a', `${l.releases}/1`, dir),
        cmd('env', '-C', dir, 'find', '.', '-exec', 'touch', '-h', '-d', '2020-01-01', '{}', '+'),
      ),
    ),
  );
  return dir;
}

beforeAll(async () => {
  bed = await releaseBed(SLUG, { healthCheck: { path: '/', timeoutS: 3 } });
  bed.repo.commit(files, 'forty classes and a broken file');
  const r = await bed.release();
  expect(r, r.error ?? '').toMatchObject({ status: 'succeeded', number: 1 });
  firstId = r.id;
}, 120_000);
afterAll(async () => {
  await bed?.cleanup();
});

/** The warm-up task of each server's run of a release, after checking it ran between the gate and the switch. */
async function warmTasks(releaseId: string) {
  const out = [];
  for (const run of await runsOfRelease(bed.t.db, releaseId)) {
    const names = (await tasksOf(bed.t.db, run.id)).map((t) => t.name);
    expect(names.indexOf('opcache-warmup')).toBeGreaterThan(names.indexOf('gate'));
    expect(names.indexOf('opcache-warmup')).toBeLessThan(names.indexOf('switch'));
    out.push((await tasksOf(bed.t.db, run.id)).find((t) => t.name === 'opcache-warmup')!);
  }
  expect(out).toHaveLength(2);
  return out;
}

describe('OPcache warm-up', () => {
  it('runs in a release after the gate and before the switch, and a file that does not compile does not fail it', async () => {
    // The first release has no live release to learn from: it walks the tree, and Broken.php fails to compile.
    for (const warm of await warmTasks(firstId)) {
      expect(warm.status).toBe('changed');
      expect(warm.log).toMatch(/compiled \d+ PHP files in \d+ ms .*1 failed to compile \(src\/Broken\.php\).*OPcache [\d.]+ MB used/);
    }
    // The second starts from what the first served.
    const r = await bed.release();
    expect(r, r.error ?? '').toMatchObject({ status: 'succeeded', number: 2 });
    for (const warm of await warmTasks(r.id)) {
      expect(warm.status).not.toBe('failed');
      // (The gate's own request may have cached its entry point's files already, if they were old enough.)
      expect(warm.log).toMatch(/compiled \d+ PHP files .*\d+ files the live release served/);
      expect(warm.log).not.toMatch(/not cached/);
    }
    for (const h of bed.hosts) expect(await bed.current(h)).toBe('releases/2');
  });

  it('compiles a release that is not current yet into the pool: none of its files cached before, all after', async () => {
    // Live traffic on releases/2 first, so its files are the "hot" set the warm-up starts with.
    for (const h of bed.hosts) await expect.poll(() => bed.served(h)).toMatch(/fixture release classes/);
    for (const h of bed.hosts) {
      await stage(h, 50);
      expect(await cachedIn(h, 50)).toBe(0);
      const { result, detail } = await warmRelease({ transport: h.transport, signal }, SLUG, 50, { previous: 'releases/2' });
      // What the live release served: index.php and its 40 classes (the other pages and Broken.php were never asked for).
      expect(result, detail).toMatchObject({ status: 'done', walked: false, hot: CLASSES + 1, compiled: CLASSES + 1, failed: 0 });
      expect(await cachedIn(h, 50)).toBe(CLASSES + 1);
      expect(await bed.current(h)).toBe('releases/2');
      // Asked to walk the whole tree as well: the rest compiles, and the broken file is counted, not fatal.
      const walked = await warmRelease({ transport: h.transport, signal }, SLUG, 50, { previous: 'releases/2', walk: true });
      expect(walked.result, walked.detail).toMatchObject({
        walked: true,
        compiled: PAGES - 1,
        already: CLASSES + 1,
        failed: 1,
        failures: ['src/Broken.php'],
      });
      expect(await cachedIn(h, 50)).toBe(CLASSES + PAGES);
      // The script is gone again, and nothing of it is served.
      const left = await h.transport.exec(cmd('test', '-e', `${l.releases}/50/.berth-opcache-warmup.php`), { okExitCodes: [0, 1] });
      expect(left.code).toBe(1);
    }
  });

  it("caches files written just before (a build step) in the same request: the script lifts OPcache's update protection for itself", async () => {
    const h = bed.hosts[0]!;
    const dir = await stage(h, 51);
    await h.transport.exec(asUser(l.user, cmd('touch', `${dir}/src/C1.php`, `${dir}/src/C2.php`)));
    const { result, detail } = await warmRelease({ transport: h.transport, signal }, SLUG, 51, {});
    expect(result, detail).toMatchObject({ status: 'done', walked: true, compiled: CLASSES + PAGES, failed: 1, uncached: 0 });
    expect(await cachedIn(h, 51)).toBe(CLASSES + PAGES);
  });

  it('stops at the memory bound, and passes (unchanged) when there is nothing to warm', async () => {
    const h = bed.hosts[1]!;
    await stage(h, 52);
    // A bound no cache meets: nothing is compiled, and the release would go on.
    const { result } = await warmRelease({ transport: h.transport, signal }, SLUG, 52, { minFree: 1 });
    expect(result).toMatchObject({ status: 'memory', compiled: 0 });
    expect(await cachedIn(h, 52)).toBe(0);
    const ctx: ReleaseContext = {
      app: bed.config,
      server: { id: h.server.id, name: h.server.name, address: h.address },
      roles: ['web'],
      number: 999,
      sha: 'x',
      archivePath: '',
      protect: [],
    };
    const lines: string[] = [];
    const outcome = await opcacheWarmup.run(ctx, { transport: h.transport, log: (s) => void lines.push(s), signal });
    expect(outcome.changed).toBe(false);
    expect(outcome.summary).toMatch(/^releases\/999 not warmed \(the release goes on\): /);
  });
});
