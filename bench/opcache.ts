// OPcache warm-up (issue 16, item 2): p99 latency over the 5 s after a symlink switch against the
// 5 s before it, under steady load on berth-host-1, for a page that loads a tree of generated PHP
// classes (500 by default), with and without warming the new release first. Each run stages a new
// release directory (a copy of the live one: new paths, so OPcache has none of it), optionally
// warms it with the release task's own warmRelease(), then switches `current` with the release
// task's own switchCurrent() while the load runs. The gate is not involved: it would itself warm
// the files its health path loads. It also prints OPcache memory after every switch: what
// accumulates as releases come and go (OPcache frees nothing until php-fpm restarts or reloads).
// Needs the test bed (scripts/testbed/up.sh; BERTH_TESTBED_DIR / BERTH_TESTBED_ADDRESSES as for
// the tests). Usage: node_modules/.bin/node scripts/run-ts.mjs bench/opcache.ts [runs=3] [files=500] [connections=8] [accumulate]
// (each run begins with a php-fpm reload, unless `accumulate`: then OPcache fills run after run).
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readPoolOpcache } from '@/lib/fpm/opcache-read';
import { appLayout } from '@/lib/plan/app-layout';
import { warmRelease } from '@/lib/recipes/release/opcache-warmup';
import { switchCurrent } from '@/lib/recipes/release/switch';
import { and, asUser, cmd } from '@/lib/remote/command';
import { closedLoop, median, windowOf } from './opcache-load';
import { runBench } from './run-bench';

/** Classes of a realistic size (a constructor, properties, a dozen small methods), and the list index.php loads. */
function generatedTree(files: number): Record<string, string> {
  const out: Record<string, string> = {};
  const names: string[] = [];
  for (let i = 1; i <= files; i++) {
    const name = `C${String(i).padStart(4, '0')}`;
    names.push(`src/Gen/${name}.php`);
    const methods = Array.from(
      { length: 12 },
      (_, m) => `
    /** Step ${m} of the score: a little string, array and arithmetic work, as application code does. */
    public function step${m}(array $input = []): int
    {
        $items = array_map(fn ($v) => is_int($v) ? $v * ${m + 1} : strlen((string) $v), $input ?: [$this->seed, '${name}', ${m}]);
        $label = sprintf('%s-%d-%s', self::NAME, ${m}, implode(',', $items));
        foreach ($this->tags as $key => $tag) {
            if (str_contains($label, $tag)) {
                $items[$key] = ($items[$key] ?? 0) + ${i % 7};
            }
        }
        return array_sum($items) + strlen($label);
    }`,
    ).join('\n');
    out[`src/Gen/${name}.php`] = `<?php

declare(strict_types=1);

namespace App\\Gen;

final class ${name}
{
    public const NAME = '${name}';

    /** @var array<string, string> */
    private array $tags = ['a' => '1', 'b' => '2', 'c' => '3'];

    public function __construct(private int $seed)
    {
    }
${methods}

    public function score(): int
    {
        return $this->step0() + $this->step${i % 12}([$this->seed]);
    }
}
`;
  }
  out['bootstrap/files.php'] = `<?php\nreturn ${JSON.stringify(names)};\n`;
  out['public/index.php'] = `<?php
// Loads every class, as a framework's bootstrap and a request's code path would, then uses a few.
$root = dirname(__DIR__);
foreach (require $root . '/bootstrap/files.php' as $file) require_once $root . '/' . $file;
$sum = 0;
for ($i = 1; $i <= ${files}; $i += 25) { $c = sprintf('App\\\\Gen\\\\C%04d', $i); $sum += (new $c($i))->score(); }
echo "ok $sum\\n";
`;
  return out;
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(process.argv[1]!), '..');
  process.chdir(root);
  // test-support/fixtures/git-repo.ts finds its fixture through __dirname, which this ESM bundle lacks.
  (globalThis as { __dirname?: string }).__dirname = path.join(root, 'test-support', 'fixtures');
  const { releaseBed } = await import('@/test-support/testbed-release');
  const RUNS = Math.min(Math.max(Number(process.argv[2] ?? 3), 1), 20);
  const FILES = Math.min(Math.max(Number(process.argv[3] ?? 500), 10), 5000);
  const CONNECTIONS = Math.min(Math.max(Number(process.argv[4] ?? 8), 1), 64);
  const ACCUMULATE = process.argv[5] === 'accumulate';
  const SLUG = 'opcbench';
  const WINDOW_MS = 5_000;
  const l = appLayout(SLUG);
  const signal = new AbortController().signal;
  const loadBefore = os.loadavg();

  // A static pool of 4 (2 cores here): no worker spawning under load to blur the figures.
  const bed = await releaseBed(SLUG, { healthCheck: { path: '/', timeoutS: 20 }, pool: { pm: 'static', maxChildren: 4 } });
  const h = bed.hosts[0]!;
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
  try {
    bed.repo.commit(generatedTree(FILES), `${FILES} classes`);
    const first = await bed.release();
    if (first.status !== 'succeeded') throw new Error(`the first release failed: ${first.error}`);
    console.log(`deployed ${FILES} classes to ${h.server.name}; load: ${CONNECTIONS} keep-alive connections, closed loop`);
    const load = closedLoop(h.address, `${SLUG}.test`, CONNECTIONS);
    await sleep(3_000);
    type Row = {
      run: number;
      warm: boolean;
      n: number;
      warmMs: number | null;
      steady: ReturnType<typeof windowOf>;
      after: ReturnType<typeof windowOf>;
      /** The herd lasts about as long as one worker takes to compile the tree: under 5 s, and < 1 % of a busy window's requests. */
      firstSecond: ReturnType<typeof windowOf>;
      opcacheMb: string;
      appScripts: number;
      releasesCached: number;
      full: boolean;
    };
    const rows: Row[] = [];
    let n = 100;
    const reload = async () => {
      const pid = (await h.transport.exec(cmd('cat', '/run/php/php8.2-fpm.pid'))).stdout.trim();
      await h.transport.exec(cmd('kill', '-USR2', pid));
    };
    for (let run = 1; run <= RUNS; run++) {
      // Each run starts from an emptied OPcache (its herd settles before the first window), so the
      // switch figures are not those of a full cache; `accumulate` keeps it, to watch it fill.
      if (!ACCUMULATE) {
        await reload();
        await sleep(3_000);
      }
      for (const warm of [false, true]) {
        n++;
        const live = await bed.current(h);
        const dir = `${l.releases}/${n}`;
        // New paths, old mtimes (as an unpacked archive has): nothing of it is in OPcache yet.
        await h.transport.exec(
          asUser(
            l.user,
            and(
              cmd('cp', '-a', `${l.base}/${live}`, dir),
              cmd('env', '-C', dir, 'find', '.', '-exec', 'touch', '-h', '-d', '2020-01-01', '{}', '+'),
            ),
          ),
        );
        let warmMs: number | null = null;
        let warmNote = '';
        if (warm) {
          const started = performance.now();
          const { result, detail } = await warmRelease({ transport: h.transport, signal }, SLUG, n, { previous: live });
          warmMs = Math.round(performance.now() - started);
          // Short of the whole set is a finding, not an error: OPcache filling up is what the memory figures are about.
          warmNote = result ? `warm-up ${warmMs} ms: ${result.compiled} compiled, ${result.status}` : `no warm-up: ${detail}`;
        }
        await sleep(1_000);
        const t0 = performance.now();
        await sleep(WINDOW_MS);
        const tSwitch = performance.now();
        await switchCurrent(h.transport, SLUG, n);
        await sleep(WINDOW_MS + 500);
        const status = await readPoolOpcache(h.transport, SLUG);
        rows.push({
          run,
          warm,
          n,
          warmMs,
          steady: windowOf(load.samples, t0, tSwitch),
          after: windowOf(load.samples, tSwitch, tSwitch + WINDOW_MS),
          firstSecond: windowOf(load.samples, tSwitch, tSwitch + 1_000),
          opcacheMb: status.enabled ? mb(status.used) : 'off',
          appScripts: status.enabled ? status.app.scripts : 0,
          releasesCached: status.enabled ? Object.keys(status.releases).length : 0,
          full: status.enabled && status.free < 0.1 * (status.used + status.free + status.wasted),
        });
        const r = rows.at(-1)!;
        console.log(
          `run ${run} ${warm ? 'warm' : 'cold'} releases/${n}: steady p99 ${r.steady.p99.toFixed(1)} ms (${r.steady.requests} req), after switch p99 ${r.after.p99.toFixed(1)} ms p99.9 ${r.after.p999.toFixed(1)} max ${r.after.max.toFixed(0)} ms (${r.after.requests} req, ${r.after.non2xx} non-2xx), ratio ${(r.after.p99 / r.steady.p99).toFixed(2)}×, first 1 s p99 ${r.firstSecond.p99.toFixed(1)} ms${warmNote ? `, ${warmNote}` : ''}; OPcache used ${r.opcacheMb} MB, this app ${r.appScripts} scripts in ${r.releasesCached} release dirs${r.full ? ' (FULL: < 10 % free)' : ''}`,
        );
        // Keep the live release and the one before, as cleanup does; OPcache still holds the rest.
        await h.transport.exec(asUser(l.user, cmd('rm', '-rf', `${l.releases}/${n - 2}`)));
      }
    }
    // What a scheduled graceful reload costs under the same load (it empties OPcache), and with
    // the live release warmed again right after it (no hot set then: the whole tree).
    for (const warmAfter of [false, true]) {
      const t0 = performance.now();
      await sleep(WINDOW_MS);
      const tReload = performance.now();
      await reload();
      let note = '';
      if (warmAfter) {
        await sleep(300); // the new master's workers must be up before a request can reach them
        const live = Number((await bed.current(h)).split('/')[1]);
        const { result, detail } = await warmRelease({ transport: h.transport, signal }, SLUG, live, {});
        note = result ? `, then warm-up: ${result.compiled} compiled in ${result.ms} ms` : `, warm-up failed: ${detail}`;
      }
      await sleep(WINDOW_MS + 500);
      const steady = windowOf(load.samples, t0, tReload);
      const after = windowOf(load.samples, tReload, tReload + WINDOW_MS);
      const status = await readPoolOpcache(h.transport, SLUG);
      console.log(
        `reload (kill -USR2)${note}: steady p99 ${steady.p99.toFixed(1)} ms, after p99 ${after.p99.toFixed(1)} ms p99.9 ${after.p999.toFixed(1)} max ${after.max.toFixed(0)} ms (${after.requests} req, ${after.non2xx} non-2xx), ratio ${(after.p99 / steady.p99).toFixed(2)}×; OPcache used ${status.enabled ? mb(status.used) : 'off'} MB`,
      );
    }
    await load.stop();
    console.log('\n            p99 5 s after / 5 s before (median [runs])   p99.9 after   max after   p99 of the first 1 s after');
    for (const warm of [false, true]) {
      const sel = rows.filter((r) => r.warm === warm);
      const ratios = sel.map((r) => r.after.p99 / r.steady.p99);
      console.log(
        `${warm ? 'warm-up   ' : 'no warm-up'}  ${median(ratios).toFixed(2)}× [${ratios.map((x) => x.toFixed(2)).join(', ')}]   ${median(sel.map((r) => r.after.p999)).toFixed(1)} ms   ${median(sel.map((r) => r.after.max)).toFixed(0)} ms   ${median(sel.map((r) => r.firstSecond.p99)).toFixed(1)} ms; steady p99 median ${median(sel.map((r) => r.steady.p99)).toFixed(1)} ms`,
      );
    }
    const growth = rows.map((r) => r.opcacheMb).join(' → ');
    console.log(`\nOPcache used after each switch (MB): ${growth}`);
    console.log(
      `load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} (${os.cpus().length} cores)`,
    );
    console.log(
      `command: node_modules/.bin/node scripts/run-ts.mjs bench/opcache.ts ${RUNS} ${FILES} ${CONNECTIONS}${ACCUMULATE ? ' accumulate' : ''}`,
    );
  } finally {
    await bed.cleanup();
  }
}

await runBench(main);
