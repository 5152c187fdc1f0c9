import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { findServer, updateServer } from '@/db/queries/servers';
import { latestRuns, updateRun } from '@/db/queries/runs';
import { insertUser } from '@/db/queries/users';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import type { JobPayload } from '@/lib/jobs/queue';
import { createServer } from './create';
import { openPrivateKey } from './keys';
import { pinHostKey, requestProbe, requestProvision } from './requests';

let t: TestDb;
let userId: number;
const ring = parseKeyRing(generateKeyText(1));
// Records what would be queued; the queue itself runs for real in the e2e suite.
const queued: Array<{ payload: JobPayload; key: string }> = [];
const enqueue = async (payload: JobPayload, key: string) => {
  queued.push({ payload, key });
  return 'job';
};
const FP = `SHA256:${'A'.repeat(43)}`;
const OTHER = `SHA256:${'B'.repeat(43)}`;

beforeAll(async () => {
  t = await createTestDb();
  userId = (await insertUser(t.db, { email: 'a@example.test', name: 'A', role: 'admin', passwordHash: 'x' })).id;
});
afterAll(async () => t.close());

const base = { host: '127.0.0.11', port: 22, username: 'root', bindAddress: null };

describe('servers: keys, pinning and provisioning requests', () => {
  it('generates an ed25519 key pair and seals the private key to its row', async () => {
    const server = await createServer(t.db, ring, { ...base, name: 'gen' });
    expect(server.publicKey).toMatch(/^ssh-ed25519 AAAA[0-9A-Za-z+/=]+ berth@gen$/);
    expect(server.privateKeySealed).toMatch(/^berth:v1:1:/);
    expect(server.privateKeySealed).not.toContain('PRIVATE KEY');
    expect(openPrivateKey(ring, server.id, server.privateKeySealed!)).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(() => openPrivateKey(ring, '00000000-0000-0000-0000-000000000000', server.privateKeySealed!)).toThrow(/does not open/);
  });

  it('accepts a pasted private key and refuses text that is not one, or a public key', async () => {
    const donor = await createServer(t.db, ring, { ...base, name: 'donor' });
    const pasted = await createServer(t.db, ring, {
      ...base,
      name: 'pasted',
      privateKey: openPrivateKey(ring, donor.id, donor.privateKeySealed!),
    });
    expect(pasted.publicKey!.split(' ')[1]).toBe(donor.publicKey!.split(' ')[1]);
    await expect(createServer(t.db, ring, { ...base, name: 'junk', privateKey: 'hello' })).rejects.toMatchObject({
      fieldErrors: { privateKey: [expect.stringMatching(/not a private key/)] },
    });
    await expect(createServer(t.db, ring, { ...base, name: 'pub', privateKey: donor.publicKey! })).rejects.toMatchObject({
      fieldErrors: { privateKey: [expect.any(String)] },
    });
    await expect(createServer(t.db, ring, { ...base, name: 'gen' })).rejects.toMatchObject({ fieldErrors: { name: ['Already in use'] } });
  });

  it('pins only the fingerprint the last probe saw, and only after a successful login', async () => {
    const server = await createServer(t.db, ring, { ...base, name: 'pin-me' });
    await requestProbe(t.db, enqueue, server.id);
    expect(queued.at(-1)).toEqual({ payload: { kind: 'probe', serverId: server.id }, key: `server:${server.id}` });
    await expect(pinHostKey(t.db, server.id, FP)).rejects.toThrow(/not the one the server presented/);
    await updateServer(t.db, server.id, {
      probe: { ok: false, fingerprint: FP, algorithm: 'ssh-ed25519', error: 'authentication failed', at: '' },
    });
    await expect(pinHostKey(t.db, server.id, FP)).rejects.toThrow(/Fix the connection first/);
    await updateServer(t.db, server.id, { probe: { ok: true, fingerprint: FP, algorithm: 'ssh-ed25519', user: 'root', at: '' } });
    await expect(pinHostKey(t.db, server.id, OTHER)).rejects.toThrow(/not the one/);
    await pinHostKey(t.db, server.id, FP);
    expect((await findServer(t.db, server.id))!.hostKeyFingerprint).toBe(FP);
  });

  it('after a mismatch, re-pins only the new key the server presented', async () => {
    const server = (await createServer(t.db, ring, { ...base, name: 'rekeyed' }))!;
    await updateServer(t.db, server.id, { hostKeyFingerprint: FP, hostKeyMismatchAt: new Date(), hostKeyMismatchFingerprint: OTHER });
    await expect(requestProvision(t.db, enqueue, server.id, userId, false)).rejects.toThrow(/host key changed/);
    await expect(requestProbe(t.db, enqueue, server.id)).rejects.toThrow(/host key changed/);
    await expect(pinHostKey(t.db, server.id, FP)).rejects.toThrow(/not the one/);
    expect(await pinHostKey(t.db, server.id, OTHER)).toEqual({ previous: FP });
    const after = (await findServer(t.db, server.id))!;
    expect(after).toMatchObject({ hostKeyFingerprint: OTHER, hostKeyMismatchAt: null, hostKeyMismatchFingerprint: null });
  });

  it('provisions only pinned servers, one run at a time, and a retry resumes at the failed task', async () => {
    const server = await createServer(t.db, ring, { ...base, name: 'prov' });
    await expect(requestProvision(t.db, enqueue, server.id, userId, false)).rejects.toThrow(/Pin the host key first/);
    await updateServer(t.db, server.id, { hostKeyFingerprint: FP });
    const run = await requestProvision(t.db, enqueue, server.id, userId, false);
    expect(queued.at(-1)).toEqual({ payload: { kind: 'provision', runId: run.id }, key: `server:${server.id}` });
    await expect(requestProvision(t.db, enqueue, server.id, userId, false)).rejects.toThrow(/already queued or running/);
    await updateRun(t.db, run.id, { status: 'failed', failedTask: 'php-base' });
    // Two requests at once: the unique index on active runs lets exactly one through.
    const raced = await Promise.allSettled([
      requestProvision(t.db, enqueue, server.id, userId, false),
      requestProvision(t.db, enqueue, server.id, userId, false),
    ]);
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((raced.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.message).toMatch(/already queued or running/);
    const racedRun = (raced.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ id: string }>).value;
    await updateRun(t.db, racedRun.id, { status: 'failed', failedTask: 'php-base' });
    const retry = await requestProvision(t.db, enqueue, server.id, userId, true);
    expect(retry.startAt).toBe('php-base');
    expect((await latestRuns(t.db, server.id)).map((r) => r.id)).toEqual([retry.id, racedRun.id, run.id]);
  });
});
