// Releases under load (issue 5): a PHP app on both test hosts, wrk at it on each host (a new
// wrk window per release, so each failed request is tied to a release or a foreign reload), while
// Berth's release engine runs 20 deploys and then 20 rollbacks. It prints failed requests, p99,
// wall time, Berth's overhead (wall minus the user's commands), rollback time to a passing
// health check, SSH handshakes per release per server and where the time goes; then the same
// fixture repo deployed with Capistrano to berth-host-1, and Berth/Capistrano ratios.
// Needs the test bed (scripts/testbed/up.sh); installs wrk and capistrano (apt) if missing.
// Usage: node_modules/.bin/node scripts/run-ts.mjs bench/releases.ts [deploys=20] [rollbacks=20]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { insertApp } from '@/db/queries/apps';
import { createRun } from '@/db/queries/runs';
import { findRelease, insertRelease, type NewRelease } from '@/db/queries/releases';
import { createTestDb } from '@/test-support/test-db';
import { getWithHost, TESTBED_DIR } from '@/test-support/testbed-hosts';
import { appConfigInput } from '@/lib/model/app-config';
import { appLayout } from '@/lib/plan/app-layout';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { configureRecipe } from '@/lib/recipes/configure';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { runRecipe } from '@/lib/jobs/runner';
import { and, cmd, ignoreFailure } from '@/lib/remote/command';
import { closeAll, closeConnection, handshakeCount } from '@/lib/remote/connection';
import { fetchRelease } from '@/lib/releases/fetch';
import { runRelease } from '@/lib/releases/release-job';
import { transportFor } from '@/lib/servers/remote';
import { report, timeline, type Measured } from './releases-report';
import { failedIn, loadLane, watchReloads, type Reload, type Window } from './releases-load';
import { capistrano, ensurePackages } from './releases-tools';
import { runBench } from './run-bench';

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(process.argv[1]!), '..');
  process.chdir(root); // authorizeKey runs scripts/testbed/authorize-key.sh
  // test-support/fixtures/git-repo.ts finds its fixture through __dirname, which this ESM bundle lacks.
  (globalThis as { __dirname?: string }).__dirname = path.join(root, 'test-support', 'fixtures');
  const { fixtureRepo } = await import('@/test-support/fixtures/git-repo');

  const DEPLOYS = Math.min(Math.max(Number(process.argv[2] ?? 20), 2), 100);
  const ROLLBACKS = Math.min(Math.max(Number(process.argv[3] ?? 20), 1), 100);
  const IDLE_RUNS = 5; // Berth without load, for a like-for-like ratio with Capistrano (run idle)
  const CAP_RUNS = 5;
  const LOAD_CAP_S = 600; // wrk's own hard limit
  const LOOP_BUDGET_MS = 8 * 60_000; // the loaded loop stops early rather than outlive wrk
  const SLUG = 'benchapp';
  const DOMAIN = 'benchapp.test';
  const CAP_DIR = '/var/www/capbench';
  const USER_TASKS = ['build', 'release-commands', 'hooks', 'pre-switch-check'];

  ensurePackages({ wrk: 'wrk', cap: 'capistrano', 'ssh-keygen': 'openssh-client' });

  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    console.log('\ninterrupted: finishing the current release, then cleaning up');
  });

  const t = await createTestDb();
  const ring = parseKeyRing(generateKeyText(1));
  const repo = fixtureRepo('php-app');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-data-'));
  const capDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-capbench-'));
  const hosts: Awaited<ReturnType<typeof pinnedTestServer>>[] = [];
  const addedKeys = new Map<string, string[]>(); // host name → public key lines this bench authorized
  const lanes: ReturnType<typeof loadLane>[] = []; // one wrk lane per host while under load
  const signal = new AbortController().signal;

  /** Removes what this bench puts on a host for its app; safe to run when nothing is there. */
  async function removeApp(h: (typeof hosts)[number]) {
    const l = appLayout(SLUG);
    await h.transport.exec(cmd('rm', '-rf', l.vhostPath, l.poolPath('8.2'), l.supervisorPath, l.cronPath, l.base, l.logDir));
    await h.transport.exec(and(ignoreFailure(cmd('supervisorctl', 'update')), cmd('nginx', '-s', 'reload')));
    const pid = (await h.transport.exec(cmd('cat', '/run/php/php8.2-fpm.pid'))).stdout.trim();
    if (/^\d+$/.test(pid)) await h.transport.exec(cmd('kill', '-USR2', pid)); // drops the app's pool
    // userdel refuses (8) while the pool's workers still run as the user: they stop within moments.
    for (let i = 0; i < 50; i++) {
      const { code } = await h.transport.exec(cmd('userdel', l.user), { okExitCodes: [0, 6, 8] });
      if (code !== 8) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await h.transport.exec(cmd('groupdel', l.group), { okExitCodes: [0, 6] }); // usually gone with the user
  }

  function forgetKeys() {
    for (const [name, keys] of addedKeys) {
      const file = path.join(TESTBED_DIR, 'hosts', name, 'root', '.ssh', 'authorized_keys');
      if (!fs.existsSync(file)) continue;
      const kept = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !keys.includes(line.trim()));
      fs.writeFileSync(`${file}.bench`, kept.join('\n'), { mode: 0o600 });
      fs.renameSync(`${file}.bench`, file);
    }
  }

  /** Under load, a new wrk window per release, so failed requests are attributed to it. */
  const nextWindow = (label: string) => Promise.all(lanes.map((lane) => lane.rotate(label)));

  async function measure(r: Omit<NewRelease, 'appId'>, label: string): Promise<Measured> {
    await nextWindow(label);
    for (const h of hosts) await closeConnection(h.server.id); // each release pays (and counts) its own handshakes
    const before = hosts.map((h) => handshakeCount(h.server.id));
    const calledAt = new Date();
    const started = performance.now();
    const row = await insertRelease(t.db, { ...r, appId });
    await runRelease(t.db, ring, row.id, signal, dataDir);
    const wallMs = performance.now() - started;
    const done = (await findRelease(t.db, row.id))!;
    // A release that succeeded with a note (a failed cleanup) would time less work than it should.
    if (done.status !== 'succeeded' || done.error)
      throw new Error(`${r.kind} ${done.number ?? ''} ended ${done.status} at ${done.failedStep}: ${done.error}`);
    const handshakes = hosts.map((h, i) => handshakeCount(h.server.id) - before[i]!);
    return { ...(await timeline(t.db, done, calledAt, wallMs, USER_TASKS)), handshakes, release: done };
  }

  /** Polls both hosts until `/` shows the release of `sha` (proves each switch is real). */
  async function expectServed(sha: string) {
    for (const h of hosts) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const body = await getWithHost(h.server.bindAddress!, DOMAIN).then(
          (r) => r.body,
          () => '',
        );
        if (body.includes(`fixture release ${sha}`)) break;
        if (Date.now() > deadline) throw new Error(`${h.server.name} does not serve ${sha.slice(0, 10)}: ${body.slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  let deployCount = 0;
  async function deploy(): Promise<Measured> {
    const sha = repo.commit({ 'public/bench.txt': `${++deployCount}\n` }, `bench ${deployCount}`);
    const m = await measure({ kind: 'deploy', ref: 'main', trigger: 'button' }, `deploy → releases/${deployCount}`);
    await expectServed(sha);
    return m;
  }

  /**
   * A broken build (a syntax error in the entry point) under the same load: refused at the gate
   * before any switch. Its own wrk window counts what clients got meanwhile (goal 0 non-2xx).
   */
  const REFUSED_LABEL = 'refused deploy (a syntax error)';
  async function refusedDeploy(): Promise<void> {
    // Both entry points broken, as a broken shared bootstrap would break them: the gate asks /health.php, wrk asks /.
    const good = ['index.php', 'health.php'].map((f) => [`public/${f}`, fs.readFileSync(path.join(repo.dir, 'public', f), 'utf8')]);
    const broken = '<?php echo "broken" ;; if ( {\n';
    repo.commit({ 'public/index.php': broken, 'public/health.php': broken }, 'broken build');
    await nextWindow(REFUSED_LABEL);
    const row = await insertRelease(t.db, { kind: 'deploy', ref: 'main', trigger: 'button', appId });
    await runRelease(t.db, ring, row.id, signal, dataDir);
    const done = (await findRelease(t.db, row.id))!;
    deployCount++;
    repo.commit(Object.fromEntries(good), 'entry points back');
    if (done.failedStep !== 'gate')
      throw new Error(`the broken build was not refused at the gate: ${done.status} at ${done.failedStep}: ${done.error}`);
  }

  /** Rollbacks alternate between the two newest deploys: current → previous → current… */
  async function rollbacks(count: number, budgetMs = Infinity): Promise<Measured[]> {
    const out: Measured[] = [];
    const [newest, older] = deployed.slice(-2).reverse() as [Measured, Measured];
    const end = performance.now() + budgetMs;
    for (let i = 0; i < count && !interrupted && performance.now() < end; i++) {
      const target = i % 2 === 0 ? older : newest;
      const ref = `releases/${target.release.number}`;
      out.push(await measure({ kind: 'rollback', ref, trigger: 'rollback', targetId: target.release.id }, `rollback ${i + 1} → ${ref}`));
      await expectServed(target.release.sha!);
    }
    // End on the newest, so the next deploy follows it (not timed).
    const ref = `releases/${newest.release.number}`;
    if (out.length % 2 === 1)
      await measure({ kind: 'rollback', ref, trigger: 'rollback', targetId: newest.release.id }, `rollback back to ${ref}`);
    return out;
  }

  /** The panel-side pieces before the first task, alone: fetch (git mirror sync + archive) and connecting to both hosts. */
  async function components(runs: number) {
    const out = { fetchMs: [] as number[], connectMs: [] as number[] };
    const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-probe-'));
    await nextWindow('fetch and connect probes');
    try {
      await fetchRelease(probeDir, 'probe', repo.dir, 'main', 'warm'); // the mirror's first clone
      for (let i = 0; i < runs && !interrupted; i++) {
        repo.commit({ 'public/probe.txt': `${i}\n` }, `probe ${i}`);
        let started = performance.now();
        await fetchRelease(probeDir, 'probe', repo.dir, 'main', `probe-${i}`);
        out.fetchMs.push(performance.now() - started);
        for (const h of hosts) await closeConnection(h.server.id);
        started = performance.now();
        await Promise.all(hosts.map((h) => transportFor(h.server, ring)));
        out.connectMs.push(performance.now() - started);
      }
    } finally {
      fs.rmSync(probeDir, { recursive: true, force: true });
    }
    return out;
  }

  const deployed: Measured[] = [];
  let appId = '';
  let watcher: ReturnType<typeof watchReloads> | undefined;
  function startLoad(label: string) {
    watcher = watchReloads(
      TESTBED_DIR,
      hosts.map((h) => h.host.name),
    );
    for (const h of hosts) lanes.push(loadLane(h.host.name, h.server.bindAddress!, DOMAIN, LOAD_CAP_S, dataDir));
    for (const lane of lanes) lane.start(label);
  }
  async function stopLoad(): Promise<{ windows: Window[]; reloads: Reload[] }> {
    await Promise.all(lanes.map((lane) => lane.stop()));
    watcher?.stop();
    const out = { windows: lanes.splice(0).flatMap((lane) => lane.windows), reloads: watcher?.events ?? [] };
    watcher = undefined;
    return out;
  }
  let berthLoad: Awaited<ReturnType<typeof stopLoad>> = { windows: [], reloads: [] };
  let capLoad: Awaited<ReturnType<typeof stopLoad>> = { windows: [], reloads: [] };
  const loadAverage: number[] = [];
  const parts = {
    loaded: { fetchMs: [] as number[], connectMs: [] as number[] },
    idle: { fetchMs: [] as number[], connectMs: [] as number[] },
  };
  const loaded = { deploys: [] as Measured[], rollbacks: [] as Measured[] };
  const idle = { deploys: [] as Measured[], rollbacks: [] as Measured[] };
  const cap = {
    idle: { deploys: [] as number[], rollbacks: [] as number[] },
    loaded: { deploys: [] as number[], rollbacks: [] as number[] },
  };
  let capBare = '';
  let capError: Error | undefined;
  try {
    // --- Set-up: both hosts, the app configured on each, one warm-up deploy (mirror, placeholder). ---
    for (const [host, name] of [
      ['berth-host-1', 'bench-1'],
      ['berth-host-2', 'bench-2'],
    ] as const) {
      const h = await pinnedTestServer(t.db, ring, host, name);
      addedKeys.set(host, [h.server.publicKey!.trim()]);
      hosts.push(h);
      await removeApp(h); // leftovers of an interrupted run
    }
    const config = appConfigInput.parse({
      slug: SLUG,
      kind: 'php',
      domains: [DOMAIN],
      repository: repo.dir,
      branch: 'main',
      healthCheck: { path: '/health.php' },
    });
    appId = (
      await insertApp(
        t.db,
        { slug: SLUG, name: 'Bench', config },
        hosts.map((h) => ({ serverId: h.server.id, roles: ['web', 'worker'] })),
      )
    ).id;
    for (const h of hosts) {
      const run = await createRun(t.db, { serverId: h.server.id, recipe: 'configure' });
      const ctx = {
        app: config,
        server: { id: h.server.id, name: h.server.name, bindAddress: h.server.bindAddress, phpVersions: h.server.phpVersions },
        roles: ['web', 'worker'] as ('web' | 'worker')[],
        reload: new Set<never>(),
      };
      const result = await runRecipe(t.db, run.id, configureRecipe, ctx, h.transport, signal);
      if (!result.ok) throw new Error(`configure failed on ${h.server.name} at ${result.failedTask}: ${result.error}`);
    }
    deployed.push(await deploy()); // warm-up, not counted

    // --- Under load: one wrk per host for the whole loop. ---
    console.log(`load on: ${DEPLOYS} deploys, then ${ROLLBACKS} rollbacks (wrk -t1 -c8 per host)…`);
    loadAverage.push(os.loadavg()[0]!);
    startLoad('before the first release');
    await new Promise((r) => setTimeout(r, 1000)); // steady state before the first release
    const loopEnd = performance.now() + LOOP_BUDGET_MS;
    for (let i = 0; i < DEPLOYS && !interrupted && performance.now() < loopEnd; i++) {
      const m = await deploy();
      deployed.push(m);
      loaded.deploys.push(m);
    }
    await refusedDeploy();
    loaded.rollbacks = await rollbacks(ROLLBACKS, loopEnd - performance.now());
    parts.loaded = await components(5);
    await nextWindow('after the last release');
    await new Promise((r) => setTimeout(r, 1000));
    loadAverage.push(os.loadavg()[0]!);
    berthLoad = await stopLoad();

    // --- Idle: the same, without load, beside Capistrano (which runs idle too). ---
    console.log(`idle: ${IDLE_RUNS} deploys and ${IDLE_RUNS} rollbacks…`);
    for (let i = 0; i < IDLE_RUNS && !interrupted; i++) {
      const m = await deploy();
      deployed.push(m);
      idle.deploys.push(m);
    }
    idle.rollbacks = await rollbacks(IDLE_RUNS);
    parts.idle = await components(5);

    // --- Capistrano: same fixture repo, berth-host-1, idle and then under the same load. ---
    console.log(`capistrano: ${CAP_RUNS} deploys and ${CAP_RUNS} rollbacks on berth-host-1, idle and under load…`);
    const host1 = hosts[0]!.host;
    const capRun = capistrano({ dir: capDir, repoDir: repo.dir, host: host1, deployTo: CAP_DIR, keep: CAP_RUNS + 5 });
    addedKeys.get(host1.name)!.push(capRun.publicKey);
    capBare = capRun.bare;
    const capRound = async (into: { deploys: number[]; rollbacks: number[] }, label: string) => {
      for (let i = 0; i < CAP_RUNS && !interrupted; i++) {
        repo.commit({ 'public/bench.txt': `cap ${label} ${i}\n` }, `cap ${label} ${i}`);
        capRun.push();
        await nextWindow(`capistrano deploy ${i + 1}`);
        into.deploys.push(await capRun.run('deploy'));
      }
      for (let i = 0; i < CAP_RUNS && !interrupted; i++) {
        await nextWindow(`capistrano rollback ${i + 1}`);
        into.rollbacks.push(await capRun.run('deploy:rollback'));
      }
    };
    try {
      await capRun.run('deploy'); // warm-up: clones its mirror on the host
      await capRound(cap.idle, 'idle');
      startLoad('capistrano, before its first deploy');
      await new Promise((r) => setTimeout(r, 1000));
      await capRound(cap.loaded, 'loaded');
      capLoad = await stopLoad();
    } catch (err) {
      capError = err as Error; // Berth's figures still print
    }
  } finally {
    // Every clean-up step runs even when an earlier one fails.
    const step = async (what: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (err) {
        console.error(`clean-up (${what}) failed: ${(err as Error).message}`);
      }
    };
    if (lanes.length) await step('stop wrk', stopLoad); // after a failure
    for (const h of hosts) await step(`${SLUG} on ${h.server.name}`, () => removeApp(h));
    if (hosts[0]) await step(CAP_DIR, () => hosts[0]!.transport.exec(cmd('rm', '-rf', CAP_DIR)));
    await step('authorized keys', forgetKeys);
    await step('connections', closeAll);
    await step('database', () => t.close());
    await step('local files', () => {
      repo.remove();
      for (const dir of [dataDir, capDir, capBare]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  // --- Report ---
  report({ hosts: hosts.map((h) => h.host.name), berthLoad, capLoad, loadAverage, loaded, idle, parts, cap });
  const refused = berthLoad.windows.filter((w) => w.label === REFUSED_LABEL);
  console.log(
    `\nresponses other than 2xx while a broken build was refused at the gate under load: ${refused.reduce((n, w) => n + failedIn(w), 0)} of ${refused.reduce((n, w) => n + w.requests, 0)} (goal 0)${refused.length ? '' : ' — NOT MEASURED'}`,
  );
  if (capError) {
    console.error(`\nCapistrano failed: ${capError.message}`);
    process.exitCode = 1;
  }
}

await runBench(main);
