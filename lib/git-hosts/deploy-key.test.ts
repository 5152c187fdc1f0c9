import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { findDeployKey } from '@/db/queries/deploy-keys';
import { generateKeyText, parseKeyRing, SealError } from '@/lib/crypto';
import { appConfigInput } from '@/lib/model/app-config';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { ensureDeployKey, openDeployKey, regenerateDeployKey } from './deploy-key';

const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
const apps: { id: string; slug: string }[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-deploy-key-'));

beforeAll(async () => {
  t = await createTestDb();
  for (const slug of ['alpha', 'beta']) {
    const config = appConfigInput.parse({ slug, kind: 'static', domains: [`${slug}.test`] });
    apps.push(await insertApp(t.db, { slug, name: slug, config }, []));
  }
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await t?.close();
});

/** What OpenSSH says about a private key: its public line and fingerprint, as an operator would check. */
function sshKeygen(privateKey: string) {
  const file = path.join(tmp, 'key');
  fs.writeFileSync(file, privateKey, { mode: 0o600 });
  const publicLine = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' }).split(' ')[1];
  fs.rmSync(file);
  return { publicLine, fingerprint };
}

it('makes one key per app, once: OpenSSH reads the private key and agrees on its public line and fingerprint', async () => {
  const first = await ensureDeployKey(t.db, ring, apps[0]!);
  expect(await ensureDeployKey(t.db, ring, apps[0]!)).toEqual(first);
  expect(first.privateKeySealed).not.toContain('PRIVATE KEY');
  const openssh = sshKeygen(openDeployKey(ring, first));
  // ssh-keygen -y prints the key's comment too (the private key carries it).
  expect(first.publicKey).toBe(openssh.publicLine);
  expect(first.publicKey).toMatch(/^ssh-ed25519 \S+ berth-deploy-alpha$/);
  expect(first.fingerprint).toBe(openssh.fingerprint);
  const other = await ensureDeployKey(t.db, ring, apps[1]!);
  expect(other.fingerprint).not.toBe(first.fingerprint);
});

it('a sealed key copied to another app does not open there', async () => {
  const alpha = (await findDeployKey(t.db, apps[0]!.id))!;
  expect(() => openDeployKey(ring, { appId: apps[1]!.id, privateKeySealed: alpha.privateKeySealed })).toThrow(SealError);
});

it('regenerating replaces the pair', async () => {
  const before = (await findDeployKey(t.db, apps[0]!.id))!;
  const { replaced, fingerprint } = await regenerateDeployKey(t.db, ring, apps[0]!);
  const after = (await findDeployKey(t.db, apps[0]!.id))!;
  expect(replaced).toBe(true);
  expect(after.fingerprint).toBe(fingerprint);
  expect(fingerprint).not.toBe(before.fingerprint);
  expect(sshKeygen(openDeployKey(ring, after)).fingerprint).toBe(fingerprint);
});
