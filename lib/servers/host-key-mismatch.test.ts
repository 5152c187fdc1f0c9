import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { deleteChannel, listChannels } from '@/db/queries/notifications';
import { findServer, insertServer, updateServer } from '@/db/queries/servers';
import { notifications, type Server } from '@/db/schema';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { NOTIFY_EVENTS } from '@/lib/model/notifications';
import { saveChannel } from '@/lib/notify/channels';
import { HostKeyMismatchError } from '@/lib/remote/errors';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { recordServerFailure } from './failures';
import { recordHostKeyMismatch } from './host-key-mismatch';
import { pinHostKey } from './requests';
import { hostKeyRecords } from '@/test-support/host-key-records';

const PINNED = 'SHA256:pinned';
const NEW = 'SHA256:new';
const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let server: Server;

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());
beforeEach(async () => {
  for (const c of await listChannels(t.db)) await deleteChannel(t.db, c.id);
  await saveChannel(t.db, ring, { kind: 'webhook', name: 'all', events: [...NOTIFY_EVENTS], url: 'http://127.0.0.1:9/x' });
  await t.db.delete(notifications);
  // A server that was tested ("Logged in") and pinned, as before its keys were regenerated.
  server = await insertServer(t.db, {
    id: crypto.randomUUID(),
    name: `web-${Math.random().toString(36).slice(2, 8)}`,
    host: '10.0.0.1',
    username: 'root',
    privateKeySealed: 'x',
    publicKey: 'x',
    hostKeyFingerprint: PINNED,
    provisionedAt: new Date(),
    probe: { ok: true, fingerprint: PINNED, algorithm: 'ssh-ed25519', user: 'root', at: new Date().toISOString() },
    probeRequestedAt: new Date(),
  });
});

const refused = (actual = NEW, expected = PINNED) => new HostKeyMismatchError(server.name, expected, actual);
const { audits, alerts } = hostKeyRecords(() => ({ db: t.db, serverId: server.id }));

it('marks the server, audits and alerts at the first refusal, and drops the stale "Logged in" result', async () => {
  const { recorded, message } = await recordHostKeyMismatch(t.db, server, refused());
  expect(recorded).toBe(true);
  expect(message).toMatch(/pinned SHA256:pinned, the server presented SHA256:new/);
  const after = (await findServer(t.db, server.id))!;
  expect(after).toMatchObject({ hostKeyMismatchFingerprint: NEW, lastError: message, probe: null, probeRequestedAt: null });
  expect(after.hostKeyMismatchAt).toBeInstanceOf(Date);
  expect(await audits()).toEqual([
    expect.objectContaining({ outcome: 'denied', details: { expected: PINNED, actual: NEW }, reason: expect.stringContaining(NEW) }),
  ]);
  expect(await alerts()).toEqual([expect.objectContaining({ status: 'pending' })]);
});

it('records a mismatch once however many connections meet it, one after another or at the same moment', async () => {
  const [a, b] = await Promise.all([recordHostKeyMismatch(t.db, server, refused()), recordHostKeyMismatch(t.db, server, refused())]);
  expect([a.recorded, b.recorded].sort()).toEqual([false, true]);
  const markedAt = (await findServer(t.db, server.id))!.hostKeyMismatchAt;
  // Later connections (a retried deploy, the per-minute sample, the probe) through every entry point.
  expect((await recordHostKeyMismatch(t.db, server, refused())).recorded).toBe(false);
  expect(await recordServerFailure(t.db, server, refused())).toMatch(/host identity of .* changed/);
  expect(await audits()).toHaveLength(1);
  expect(await alerts()).toHaveLength(1);
  expect((await findServer(t.db, server.id))!.hostKeyMismatchAt).toEqual(markedAt);
});

it('a different new key is a new incident; a refusal against a pin an admin has since replaced is not', async () => {
  await recordHostKeyMismatch(t.db, server, refused(NEW));
  expect((await recordHostKeyMismatch(t.db, server, refused('SHA256:newer'))).recorded).toBe(true);
  expect((await findServer(t.db, server.id))!.hostKeyMismatchFingerprint).toBe('SHA256:newer');
  expect(await audits()).toHaveLength(2);
  expect(await alerts()).toHaveLength(2);

  await pinHostKey(t.db, server.id, 'SHA256:newer');
  // A connection that started before the re-pin, refused for the old pin, arrives late.
  expect((await recordHostKeyMismatch(t.db, server, refused('SHA256:newer', PINNED))).recorded).toBe(false);
  expect(await findServer(t.db, server.id)).toMatchObject({ hostKeyFingerprint: 'SHA256:newer', hostKeyMismatchAt: null });
  expect(await audits()).toHaveLength(2);
});

it('after a re-pin, the same server changing its key again is recorded again', async () => {
  await recordHostKeyMismatch(t.db, server, refused(NEW));
  await pinHostKey(t.db, server.id, NEW);
  expect((await recordHostKeyMismatch(t.db, server, refused('SHA256:third', NEW))).recorded).toBe(true);
  expect(await audits()).toHaveLength(2);
});

it('leaves a server without a pin alone', async () => {
  await updateServer(t.db, server.id, { hostKeyFingerprint: null });
  expect((await recordHostKeyMismatch(t.db, server, refused())).recorded).toBe(false);
  expect(await audits()).toHaveLength(0);
});
