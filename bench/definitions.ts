// Definitions at fleet size: 50 apps on both test hosts. Prints the figures of the fleet-as-code
// issue beside their goals, and the server plan beside the reference it replaces (each app's
// "pending changes" view, one read per app per server), as a ratio in the same run:
//   - the definition's plan (spec vs panel, no SSH), a no-op apply, the export → import → export
//     round trip (bytes compared);
//   - the plan of both servers (every app's files vs the server): time, SSH connections and round
//     trips per server.
// Needs the test bed: `bash scripts/testbed/up.sh`. Median of 5 rounds per figure.
// Usage: node_modules/.bin/node scripts/run-ts.mjs bench/definitions.ts
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { closeClient, drizzleFor, migrateClient, openClient } from '@/db/client';
import { listApps } from '@/db/queries/apps';
import { listServers, updateServer } from '@/db/queries/servers';
import { insertUser } from '@/db/queries/users';
import { pendingChanges, pendingOnServers } from '@/lib/apps/pending-changes';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { closeAll, closeConnection, handshakeCount } from '@/lib/remote/connection';
import { SshTransport } from '@/lib/remote/transport';
import { createServer } from '@/lib/servers/create';
import { definitionText } from '@/lib/spec/compact';
import { applyText, planText } from '@/lib/spec/definitions';
import { exportFleet } from '@/lib/spec/export';
import { loadTestHosts } from '@/test-support/test-hosts';
import { runBench } from './run-bench';

/** Every command an SshTransport sends, counted per server from now on: one script is one round trip. */
function countRoundTrips(): Map<string, number> {
  const counts = new Map<string, number>();
  const proto = SshTransport.prototype as unknown as { run: (...a: unknown[]) => Promise<unknown> };
  const run = proto.run;
  proto.run = function (this: SshTransport, ...args: unknown[]) {
    counts.set(this.serverName, (counts.get(this.serverName) ?? 0) + 1);
    return run.apply(this, args);
  };
  return counts;
}

async function panel() {
  const client = await openClient({});
  await migrateClient(client);
  const db = drizzleFor(client);
  const actor = await insertUser(db, { email: 'bench@example.test', name: 'Bench', role: 'admin', passwordHash: 'x' });
  return { client, db, actor };
}

function appsYaml(count: number): string {
  const lines: string[] = ['apps:'];
  for (let i = 0; i < count; i++) {
    const kind = ['php', 'static', 'process'][i % 3]!;
    lines.push(
      `  - slug: app${i}`,
      `    name: App ${i}`,
      `    kind: ${kind}`,
      `    domains: [app${i}.bench.test]`,
      '    servers:',
      '      - { server: bench-1, roles: [web, worker] }',
      '      - { server: bench-2, roles: [web] }',
      ...(kind === 'process' ? [`    port: ${20000 + i * 2}`, '    processArgv: [python3, server.py]'] : []),
      ...(kind === 'php'
        ? ['    workers:', '      - { name: queue, argv: [php, artisan, queue:work], processes: 1, servers: [bench-1] }']
        : []),
    );
  }
  return `${lines.join('\n')}\n`;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

async function timed(fn: () => Promise<unknown>, rounds: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

async function main(): Promise<void> {
  const APPS = 50;
  const ROUNDS = 5;
  const ring = parseKeyRing(generateKeyText(1));
  const roundTrips = countRoundTrips();
  const hosts = loadTestHosts();
  const a = await panel();
  for (const [i, host] of hosts.slice(0, 2).entries()) {
    const server = await createServer(a.db, ring, {
      name: `bench-${i + 1}`,
      host: host.address,
      port: 22,
      username: 'root',
      bindAddress: host.address,
    });
    execFileSync('bash', ['scripts/testbed/authorize-key.sh', host.name, server.publicKey!]);
    await updateServer(a.db, server.id, {
      hostKeyFingerprint: host.hostKeyFingerprint,
      hostKeyPinnedAt: new Date(),
      provisionedAt: new Date(),
    });
  }
  const noop = async () => 'job';
  const text = definitionText(await exportFleet(a.db, ring)).replace(/^apps: \[\]\n/m, '') + appsYaml(APPS);

  // 1. The definition's plan: 50 apps to create (read, check, diff against the panel).
  const planMs = await timed(async () => {
    const p = await planText(a.db, ring, text);
    if (!p.ok || p.plan.changes.length !== APPS) throw new Error(`unexpected plan: ${JSON.stringify(p).slice(0, 400)}`);
  }, ROUNDS);
  const first = await planText(a.db, ring, text);
  if (!first.ok) throw new Error('plan failed');
  const applyStart = performance.now();
  await applyText(a.db, ring, noop, a.actor, text, { hash: first.plan.hash, confirmDestructive: false });
  const applyMs = performance.now() - applyStart;

  // 2. A no-op apply: plan (empty) and apply the panel's own export.
  const exported = definitionText(await exportFleet(a.db, ring));
  const noopMs = await timed(async () => {
    const p = await planText(a.db, ring, exported);
    if (!p.ok || p.plan.changes.length) throw new Error('the no-op plan is not empty');
    await applyText(a.db, ring, noop, a.actor, exported, { hash: p.plan.hash, confirmDestructive: false });
  }, ROUNDS);

  // 3. Round trip: export → import into an empty panel → export; the bytes must match.
  let identical = true;
  const roundTripMs = await timed(async () => {
    const b = await panel();
    const p = await planText(b.db, ring, exported);
    if (!p.ok) throw new Error('round trip plan failed');
    await applyText(b.db, ring, noop, b.actor, exported, { hash: p.plan.hash, confirmDestructive: false });
    identical &&= definitionText(await exportFleet(b.db, ring)) === exported;
    await closeClient(b.client);
  }, 3);

  // 4. The servers' plan: every app's files against each server, one connection and one read per server.
  const servers = await listServers(a.db);
  const fresh = async () => {
    for (const s of servers) await closeConnection(s.id);
    roundTrips.clear();
  };
  const handshakesBefore = servers.map((s) => handshakeCount(s.id));
  let serverTrips = 0;
  const serverPlanMs = await timed(async () => {
    await fresh();
    const plans = await pendingOnServers(a.db, ring, servers);
    const failed = plans.find((p) => !p.ok);
    if (failed && !failed.ok) throw new Error(`${failed.serverName}: ${failed.error}`);
    serverTrips = Math.max(...servers.map((s) => roundTrips.get(s.name) ?? 0));
  }, ROUNDS);
  const connections = Math.max(...servers.map((s, i) => (handshakeCount(s.id) - handshakesBefore[i]!) / ROUNDS));
  // The reference: each app's own pending view (the app page), for every app.
  const apps = await listApps(a.db);
  let perAppTrips = 0;
  const perAppMs = await timed(async () => {
    await fresh();
    for (const app of apps) await pendingChanges(a.db, ring, app);
    perAppTrips = Math.max(...servers.map((s) => roundTrips.get(s.name) ?? 0));
  }, 3);

  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const row = (what: string, ms: number, goal: string, ratio = '') =>
    console.log(`${what.padEnd(46)} ${`${ms.toFixed(0)} ms`.padStart(9)}  ${goal.padEnd(12)} ${ratio}`);
  console.log(
    `definitions: ${APPS} apps on 2 servers (${hosts[0]!.address}, ${hosts[1]!.address}); median of ${ROUNDS} rounds; load ${load}\n`,
  );
  console.log(`${'figure'.padEnd(46)} ${'time'.padStart(9)}  ${'goal'.padEnd(12)} ratio to goal or reference`);
  row(`plan of the definition (${APPS} creates)`, planMs, '≤ 1000 ms', `${(planMs / 1000).toFixed(2)}× goal`);
  row(`apply of it (${APPS} creates, once)`, applyMs, '');
  row('no-op apply (plan + apply of the export)', noopMs, '≤ 2000 ms', `${(noopMs / 2000).toFixed(2)}× goal`);
  row(`round trip (export → import → export)${identical ? ', identical' : ', DIFFERENT'}`, roundTripMs, '');
  row('plan of both servers (every app vs server)', serverPlanMs, '≤ 1000 ms', `${(serverPlanMs / 1000).toFixed(2)}× goal`);
  row('reference: each app’s pending view, all apps', perAppMs, '', `${(serverPlanMs / perAppMs).toFixed(2)}× reference`);
  console.log(
    `\nper server: ${connections} SSH connection(s) (goal 1), ${serverTrips} round trip(s) for ${APPS} apps; the per-app views: ${perAppTrips}`,
  );
  await closeAll();
  await closeClient(a.client);
}

await runBench(main);
