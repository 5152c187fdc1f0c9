// Provisioning both test hosts over Berth's remote layer: SSH handshakes per run per server
// (goal: exactly 1) and the time of a first and a repeat run, beside a plain `ssh true`
// login as the reference. Needs the test bed: `bash scripts/testbed/up.sh`.
// Usage: node_modules/.bin/node scripts/run-ts.mjs bench/provision.ts
import { execFileSync } from 'node:child_process';
import { closeClient, drizzleFor, migrateClient, openClient } from '@/db/client';
import { createRun, tasksOf } from '@/db/queries/runs';
import { updateServer } from '@/db/queries/servers';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { closeAll, closeConnection, handshakeCount } from '@/lib/remote/connection';
import { createServer } from '@/lib/servers/create';
import { runProvision } from '@/lib/servers/provision';
import { loadTestHosts } from '@/test-support/test-hosts';
import { runBench } from './run-bench';

async function main(): Promise<void> {
  const hosts = loadTestHosts();

  const client = await openClient({});
  await migrateClient(client);
  const db = drizzleFor(client);
  const ring = parseKeyRing(generateKeyText(1));

  const servers = [];
  for (const host of hosts) {
    const server = await createServer(db, ring, {
      name: host.name,
      host: host.address,
      port: 22,
      username: 'root',
      bindAddress: host.address,
    });
    execFileSync('bash', ['scripts/testbed/authorize-key.sh', host.name, server.publicKey!]);
    await updateServer(db, server.id, { hostKeyFingerprint: host.hostKeyFingerprint, hostKeyPinnedAt: new Date() });
    servers.push(server);
  }

  const sshStart = performance.now();
  const host0 = hosts[0]!;
  execFileSync('ssh', [
    '-i',
    host0.privateKeyPath,
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    `root@${host0.address}`,
    'true',
  ]);
  const sshMs = performance.now() - sshStart;

  console.log('server          run     handshakes  time      tasks');
  for (const round of ['first', 'repeat']) {
    await Promise.all(
      servers.map(async (server) => {
        await closeConnection(server.id); // count this run's handshakes from zero
        const before = handshakeCount(server.id);
        const run = await createRun(db, { serverId: server.id, recipe: 'provision' });
        const started = performance.now();
        await runProvision(db, ring, run.id, new AbortController().signal);
        const ms = performance.now() - started;
        const tasks = (await tasksOf(db, run.id)).map((t) => `${t.name}:${t.status}`).join(' ');
        console.log(
          `${server.name.padEnd(15)} ${round.padEnd(7)} ${String(handshakeCount(server.id) - before).padStart(10)}  ${(ms / 1000).toFixed(2).padStart(6)} s  ${tasks}`,
        );
        for (const failed of (await tasksOf(db, run.id)).filter((t) => t.status === 'failed'))
          console.log(`  ${failed.name} failed:\n${failed.log.trim().split('\n').slice(-8).join('\n')}`);
      }),
    );
  }
  console.log(`\nreference: one OpenSSH login running \`true\`: ${sshMs.toFixed(0)} ms`);
  await closeAll();
  await closeClient(client);
}

await runBench(main);
