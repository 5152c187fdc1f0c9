// lib/remote against the real test bed (scripts/testbed/up.sh first), loopback only:
//   1. time per sequential command over an open connection: lib/remote (TCP_NODELAY) beside
//      raw ssh2 with its own default socket (Nagle on: the reference) and raw ssh2 + NODELAY;
//   2. SSH handshakes for a provisioning-like run (many execs, a script, uploads, a burst);
//   3. upload MB/s of a 50 MB file: lib/remote uploadFile / upload(Buffer) beside `scp`.
// Usage: node_modules/.bin/node scripts/run-ts.mjs bench/remote.ts [commands=200]
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import * as remote from '@/lib/remote';
import { runBench } from './run-bench';

type BedHost = { name: string; address: string; port: number; user: string; privateKeyPath: string; hostKeyFingerprint: string };

async function main(): Promise<void> {
  const COMMANDS = Math.min(Number(process.argv[2] ?? 200), 2000);
  const REFERENCE_COMMANDS = Math.min(40, COMMANDS); // ~45 ms each without NODELAY
  const UPLOAD_MB = 50;
  const UPLOAD_RUNS = 5;
  const dir = process.env.BERTH_TESTBED_DIR || '/var/lib/berth-testbed';
  const hostsFile = path.join(dir, 'hosts.json');
  if (!fs.existsSync(hostsFile)) {
    console.error(`The test bed is not up: ${hostsFile} is missing. Run: sudo bash scripts/testbed/up.sh`);
    process.exit(1);
  }
  const found = (JSON.parse(fs.readFileSync(hostsFile, 'utf8')).hosts as BedHost[]).find((h) => h.name === 'berth-host-1');
  if (!found) throw new Error(`${hostsFile} has no berth-host-1`);
  const host = found;
  const privateKey = fs.readFileSync(host.privateKeyPath, 'utf8');
  const target = (id: string): remote.ServerTarget => ({
    id,
    name: host.name,
    host: host.address,
    port: host.port,
    username: host.user,
    privateKey,
    hostKeyFingerprint: host.hostKeyFingerprint,
  });

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
  const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

  async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
    for (let i = 0; i < 5; i++) await fn(); // warm-up
    const times = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    return times;
  }

  /** Raw ssh2, for the references: `noDelay` false is ssh2's own behaviour. */
  async function rawClient(noDelay: boolean) {
    const client = new ssh2.Client();
    const pinned = (key: Buffer) =>
      `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` === host.hostKeyFingerprint;
    const config: ssh2.ConnectConfig = { username: host.user, privateKey, hostVerifier: pinned };
    if (noDelay) {
      const sock = net.connect({ host: host.address, port: host.port });
      sock.setNoDelay(true);
      config.sock = sock;
    } else {
      Object.assign(config, { host: host.address, port: host.port });
    }
    await new Promise<void>((resolve, reject) =>
      client
        .once('ready', () => resolve())
        .once('error', reject)
        .connect(config),
    );
    const exec = (text: string) =>
      new Promise<void>((resolve, reject) =>
        client.exec(text, (err, ch) =>
          err
            ? reject(err)
            : ch
                .on('close', () => resolve())
                .resume()
                .stderr.resume(),
        ),
      );
    return { client, exec };
  }

  // 1. Latency per sequential command
  const t = new remote.SshTransport(target('bench-latency'));
  const ours = await timeEach(COMMANDS, () => t.exec(remote.cmd('true')));
  const fast = await rawClient(true);
  const rawFast = await timeEach(COMMANDS, () => fast.exec('true'));
  fast.client.end();
  const slow = await rawClient(false);
  const rawSlow = await timeEach(REFERENCE_COMMANDS, () => slow.exec('true'));
  slow.client.end();

  // 2. Handshakes for a provisioning-like run
  const runId = 'bench-provision';
  const p = new remote.SshTransport(target(runId));
  const work = `/tmp/berth-bench-${process.pid}`;
  const t0 = performance.now();
  await p.exec(remote.cmd('mkdir', '-p', work));
  for (let i = 0; i < 30; i++) await p.exec(remote.cmd('test', '-d', work));
  await p.runScript(remote.script(...Array.from({ length: 10 }, (_, i) => remote.cmd('touch', `${work}/step-${i}`))));
  for (let i = 0; i < 5; i++) await p.upload(`config ${i}\n`, `${work}/conf-${i}`, { mode: 0o640, owner: 'www-data', group: 'www-data' });
  await Promise.all(Array.from({ length: 16 }, () => p.exec(remote.cmd('sleep', '0.05'))));
  await p.exec(remote.cmd('rm', '-rf', work));
  const provisionMs = performance.now() - t0;
  const provisionOps = 1 + 30 + 1 + 5 + 16 + 1;

  // 3. Upload of a 50 MB file
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
  const file = path.join(local, 'payload.bin');
  const payload = randomBytes(UPLOAD_MB * 1024 * 1024);
  fs.writeFileSync(file, payload);
  fs.writeFileSync(path.join(local, 'tiny'), 'x');
  const u = new remote.SshTransport(target('bench-upload'));
  await u.exec(remote.cmd('true')); // connected, as Berth's connection would be
  const mbps = (ms: number) => UPLOAD_MB / (ms / 1000);
  const timed = async (fn: () => Promise<unknown>) => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  const scpArgs = (src: string, dst: string) => [
    '-q',
    '-i',
    host.privateKeyPath,
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    src,
    `${host.user}@${host.address}:${dst}`,
  ];
  const results = { uploadFile: [] as number[], upload: [] as number[], scp: [] as number[], scpTiny: [] as number[] };
  for (let i = 0; i < UPLOAD_RUNS; i++) {
    results.uploadFile.push(await timed(() => u.uploadFile(file, '/tmp/berth-bench-upload.bin', { mode: 0o600 })));
    results.upload.push(await timed(() => u.upload(payload, '/tmp/berth-bench-upload.bin', { mode: 0o600 })));
    results.scp.push(await timed(async () => execFileSync('scp', scpArgs(file, '/tmp/berth-bench-scp.bin'))));
    results.scpTiny.push(await timed(async () => execFileSync('scp', scpArgs(path.join(local, 'tiny'), '/tmp/berth-bench-scp-tiny'))));
  }
  const check = (await u.exec(remote.cmd('cmp', '/tmp/berth-bench-upload.bin', '/tmp/berth-bench-scp.bin'), { okExitCodes: [0, 1] })).code;
  await u.exec(remote.cmd('rm', '-f', '/tmp/berth-bench-upload.bin', '/tmp/berth-bench-scp.bin', '/tmp/berth-bench-scp-tiny'));
  fs.rmSync(local, { recursive: true, force: true });
  await remote.closeAll();

  const scpMs = median(results.scp);
  const scpTransferMs = scpMs - median(results.scpTiny); // scp pays a handshake each time; our upload reuses the open connection
  const load = os.loadavg()[0]!.toFixed(2);
  console.log(`lib/remote bench on ${host.name} (${host.address}), ${os.cpus().length} cores, load ${load}, node ${process.version}\n`);
  console.log('1. Time per sequential `true` over an open connection');
  console.log(
    `   lib/remote exec (TCP_NODELAY)     median ${fmt(median(ours))}  p95 ${fmt(p95(ours))}  (${COMMANDS} commands; goal <= 3 ms)`,
  );
  console.log(`   raw ssh2 + TCP_NODELAY            median ${fmt(median(rawFast))}  p95 ${fmt(p95(rawFast))}  (${COMMANDS} commands)`);
  console.log(
    `   raw ssh2, default socket (ref.)   median ${fmt(median(rawSlow))}  p95 ${fmt(p95(rawSlow))}  (${REFERENCE_COMMANDS} commands)`,
  );
  console.log(`   => ${(median(rawSlow) / median(ours)).toFixed(1)}x faster than the reference\n`);
  console.log('2. SSH handshakes');
  console.log(`   latency run: ${remote.handshakeCount('bench-latency')} handshake for ${COMMANDS + 5} commands`);
  console.log(
    `   provisioning-like run (${provisionOps} operations: execs, a 10-step script, 5 owned uploads, 16 concurrent): ${remote.handshakeCount(runId)} handshake, ${provisionMs.toFixed(0)} ms\n`,
  );
  console.log(`3. Upload of a ${UPLOAD_MB} MB file (median of ${UPLOAD_RUNS}; ours over the open connection, scp with its own login)`);
  console.log(
    `   lib/remote uploadFile (fastPut x64)  ${mbps(median(results.uploadFile)).toFixed(0)} MB/s  (${median(results.uploadFile).toFixed(0)} ms)`,
  );
  console.log(
    `   lib/remote upload(Buffer)            ${mbps(median(results.upload)).toFixed(0)} MB/s  (${median(results.upload).toFixed(0)} ms)`,
  );
  console.log(`   scp, wall time                       ${mbps(scpMs).toFixed(0)} MB/s  (${scpMs.toFixed(0)} ms)`);
  console.log(`   scp, minus a 1-byte scp (login)      ${mbps(scpTransferMs).toFixed(0)} MB/s  (${scpTransferMs.toFixed(0)} ms)`);
  console.log(
    `   => uploadFile / scp: ${(scpMs / median(results.uploadFile)).toFixed(2)}x wall, ${(scpTransferMs / median(results.uploadFile)).toFixed(2)}x transfer-only (goal >= 1.2x)`,
  );
  console.log(
    `   => upload(Buffer) / scp: ${(scpMs / median(results.upload)).toFixed(2)}x wall, ${(scpTransferMs / median(results.upload)).toFixed(2)}x transfer-only`,
  );
  console.log(`   remote copies identical: ${check === 0 ? 'yes' : 'NO'}`);
}

await runBench(main);
