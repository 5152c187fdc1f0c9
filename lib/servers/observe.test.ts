import { afterAll, beforeAll, expect, it } from 'vitest';
import { findServer, insertServer } from '@/db/queries/servers';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { observeAll } from './observe';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

// Both servers are pinned and point at a closed loopback port: observing one fails at once.
const pinned = (name: string, key: string | null) =>
  insertServer(t.db, {
    id: crypto.randomUUID(),
    name,
    host: '127.0.0.1',
    port: 1,
    username: 'root',
    privateKeySealed: key,
    publicKey: key,
    hostKeyFingerprint: 'SHA256:pinned',
  });

it('observes pinned servers with a key, and leaves a server waiting for its key alone', async () => {
  const keyed = await pinned('keyed', 'sealed-key');
  const waiting = await pinned('waiting', null);
  await observeAll(t.db, parseKeyRing(generateKeyText(1)));
  expect((await findServer(t.db, keyed.id))?.lastError).toBeTruthy();
  expect((await findServer(t.db, waiting.id))?.lastError).toBeNull();
});
