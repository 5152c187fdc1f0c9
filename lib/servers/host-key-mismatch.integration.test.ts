import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { findRelease, insertRelease } from '@/db/queries/releases';
import { findServer } from '@/db/queries/servers';
import type { Server } from '@/db/schema';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { appConfigInput } from '@/lib/model/app-config';
import { NOTIFY_EVENTS } from '@/lib/model/notifications';
import { saveChannel } from '@/lib/notify/channels';
import { runRelease } from '@/lib/releases/release-job';
import { cmd } from '@/lib/remote/command';
import { closeAll } from '@/lib/remote/connection';
import { HostKeyMismatchError } from '@/lib/remote/errors';
import type { Transport } from '@/lib/remote/transport';
import { type Runtime, setRuntime } from '@/lib/runtime';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { bedEnv } from '@/test-support/test-hosts';
import { hostPath, rekeyHost, testHost } from '@/test-support/testbed-hosts';
import { pinnedTestServer } from '@/test-support/testbed-server';
import { runProbe } from './probe';
import { transportFor } from './remote';
import { hostKeyRecords } from '@/test-support/host-key-records';

/**
 * Issue 16, item 7: a host key refused by an operation (here a deploy, as observed) marks the
 * server, writes the audit row and queues the alert at that moment, not at the next probe; later
 * refusals of the same key add nothing. Re-keys berth-host-1 of this process's bed and puts its
 * original key back at the end.
 */
const HOST = 'berth-host-1';
const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let server: Server;
let before: Transport;
let pinned: string;
let dataDir: string;
const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-hostkey-'));
const originalKey = path.join(keyDir, 'ssh_host_ed25519_key');

beforeAll(async () => {
  t = await createTestDb();
  // As in the panel: the release job connects without handing over a database (release-job.ts).
  setRuntime({ client: t.client } as Runtime);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-hostkey-data-'));
  ({ server, transport: before } = await pinnedTestServer(t.db, ring, HOST, 'rekeyed'));
  pinned = server.hostKeyFingerprint!;
  await saveChannel(t.db, ring, { kind: 'webhook', name: 'all', events: [...NOTIFY_EVENTS], url: 'http://127.0.0.1:9/x' });
  fs.copyFileSync(hostPath(HOST, 'etc', 'ssh/ssh_host_ed25519_key'), originalKey);
});

afterAll(async () => {
  // The original key back, so other files on this bed find the host as pinned.
  execFileSync('bash', ['scripts/testbed/rekey.sh', HOST, '--key', originalKey], { stdio: 'pipe', env: bedEnv() });
  fs.rmSync(keyDir, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
  await closeAll();
  setRuntime(undefined);
  await t.close();
});

const { audits, alerts } = hostKeyRecords(() => ({ db: t.db, serverId: server.id }));

it('a deploy refused for a regenerated host key marks the server and audits it at once; later refusals add nothing', async () => {
  expect((await before.exec(cmd('true'))).code).toBe(0);
  rekeyHost(HOST);
  const presented = testHost(HOST).hostKeyFingerprint;
  expect(presented).not.toBe(pinned);
  // Cached sessions gone (as after a reboot): the next operation makes a new handshake.
  await closeAll();

  const app = await insertApp(
    t.db,
    {
      slug: 'rekeyed',
      name: 'rekeyed',
      config: appConfigInput.parse({
        slug: 'rekeyed',
        kind: 'php',
        domains: ['rekeyed.test'],
        // Fetched while the servers connect; the connection is awaited first, so its refusal is what ends the release.
        repository: '/nonexistent/rekeyed.git',
      }),
    },
    [{ serverId: server.id, roles: ['web'] }],
  );
  const row = await insertRelease(t.db, { appId: app.id, kind: 'deploy', ref: 'main', trigger: 'button' });
  await runRelease(t.db, ring, row.id, new AbortController().signal, dataDir);
  const release = (await findRelease(t.db, row.id))!;
  expect(release).toMatchObject({ status: 'failed', failedStep: 'connect' });
  expect(release.error).toMatch(/host identity of rekeyed changed/);

  // Straight after the refused connection; no probe or per-minute sample has run in this test.
  const marked = (await findServer(t.db, server.id))!;
  expect(marked).toMatchObject({ hostKeyFingerprint: pinned, hostKeyMismatchFingerprint: presented, probe: null });
  expect(marked.hostKeyMismatchAt).toBeInstanceOf(Date);
  expect(marked.lastError).toMatch(/Berth refused to log in/);
  expect(await audits()).toEqual([expect.objectContaining({ outcome: 'denied', details: { expected: pinned, actual: presented } })]);
  expect(await alerts()).toEqual([expect.objectContaining({ status: 'pending' })]);

  // A second refusal through transportFor itself, and a third through a transport made before the
  // rekey that reconnects mid-job: still refused, and neither a new audit row nor a new alert.
  const again = await transportFor(marked, ring).catch((err: unknown) => err);
  expect(again).toBeInstanceOf(HostKeyMismatchError);
  expect((again as HostKeyMismatchError).actualFingerprint).toBe(presented);
  await expect(before.exec(cmd('true'))).rejects.toBeInstanceOf(HostKeyMismatchError);
  // The probe goes through the same record: it sees the key it was refused for, and adds nothing.
  await runProbe(t.db, ring, server.id);
  expect(await audits()).toHaveLength(1);
  expect(await alerts()).toHaveLength(1);
  expect(await findServer(t.db, server.id)).toMatchObject({ hostKeyMismatchAt: marked.hostKeyMismatchAt, probe: null });
});
