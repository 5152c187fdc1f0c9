import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { acceptPresentedGitHostKey, findDeployKey, findGitHostKey } from '@/db/queries/deploy-keys';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { appConfigInput } from '@/lib/model/app-config';
import { fetchRelease } from '@/lib/releases/fetch';
import { fixtureRepo } from '@/test-support/fixtures/git-repo';
import { gitServer } from '@/test-support/git-server';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { bedEnv } from '@/test-support/test-hosts';
import { hostPath, rekeyHost, testHost } from '@/test-support/testbed-hosts';
import { DeployKeyRefusedError, GitHostKeyChangedError } from './errors';

/**
 * Private repositories against a real git-over-SSH server (git-shell behind the test host's
 * sshd): both URL forms, a key not yet added, a git host whose key changed and the accept path.
 * Re-keys berth-host-1 of this process's bed and puts its original key back at the end.
 */
const HOST = 'berth-host-1';
const ring = parseKeyRing(generateKeyText(1));
const server = gitServer(HOST);
const source = fixtureRepo('php-app');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-private-fetch-'));
const originalKey = path.join(dataDir, 'original_host_key');
let t: TestDb;
let appId: string;
let urls: { scpUrl: string; sshUrl: string };

beforeAll(async () => {
  fs.copyFileSync(hostPath(HOST, 'etc', 'ssh/ssh_host_ed25519_key'), originalKey);
  t = await createTestDb();
  urls = server.createRepo('shop', source.dir);
  server.authorize([]);
  const config = appConfigInput.parse({ slug: 'privapp', kind: 'php', domains: ['privapp.test'], repository: urls.scpUrl });
  appId = (await insertApp(t.db, { slug: 'privapp', name: 'privapp', config }, [])).id;
});

afterAll(async () => {
  if (fs.existsSync(originalKey))
    execFileSync('bash', ['scripts/testbed/rekey.sh', HOST, '--key', originalKey], { stdio: 'pipe', env: bedEnv() });
  server.remove();
  source.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
  await t?.close();
});

const keys = () => ({ db: t.db, ring, slug: 'privapp' });
const fetchFrom = (url: string, id: string) => fetchRelease(dataDir, appId, url, 'main', id, keys());
/** What is left of the one-fetch key directories: nothing, after every fetch, whatever its outcome. */
const keyDirsLeft = () => fs.readdirSync(path.join(dataDir, 'git-ssh'));

it('a key not yet on the git host: the fetch names the key to add, and the host key is pinned on first use', async () => {
  const failure = await fetchFrom(urls.scpUrl, 'r1').catch((err: Error) => err);
  const key = (await findDeployKey(t.db, appId))!;
  expect(key.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+=* berth-deploy-privapp$/);
  expect(failure).toBeInstanceOf(DeployKeyRefusedError);
  expect((failure as Error).message).toContain(`refused this app's deploy key ${key.fingerprint}`);
  expect((failure as Error).message).toContain('read-only deploy key');
  expect((failure as Error).message).not.toMatch(/Permission denied|fatal:/); // not git's raw stderr
  expect(await findGitHostKey(t.db, testHost(HOST).address, 22)).toMatchObject({ fingerprint: testHost(HOST).hostKeyFingerprint });
  expect(keyDirsLeft()).toEqual([]);
});

it('once the key is added, fetches with both URL forms and gets the repository’s commit', async () => {
  server.authorize([(await findDeployKey(t.db, appId))!.publicKey]);
  const scp = await fetchFrom(urls.scpUrl, 'r2');
  expect(scp.sha).toBe(source.head());
  const sha = source.commit({ 'public/version.txt': 'two\n' }, 'second');
  server.createRepo('shop', source.dir); // the git host now has the second commit
  server.authorize([(await findDeployKey(t.db, appId))!.publicKey]);
  const ssh = await fetchFrom(urls.sshUrl, 'r3');
  expect(ssh.sha).toBe(sha);
  expect(fs.statSync(ssh.archivePath).size).toBeGreaterThan(0);
  expect(keyDirsLeft()).toEqual([]);
});

it('a changed git host key is refused with both fingerprints, until an admin accepts the new one', async () => {
  const pinned = testHost(HOST).hostKeyFingerprint;
  rekeyHost(HOST);
  const presented = testHost(HOST).hostKeyFingerprint;
  expect(presented).not.toBe(pinned);
  const failure = await fetchFrom(urls.scpUrl, 'r4').catch((err: Error) => err);
  expect(failure).toBeInstanceOf(GitHostKeyChangedError);
  expect((failure as Error).message).toContain(`pinned ${pinned}, it now presents ${presented}`);
  expect(await findGitHostKey(t.db, testHost(HOST).address, 22)).toMatchObject({ fingerprint: pinned, presentedFingerprint: presented });
  // Accepting another fingerprint than the one presented changes nothing.
  expect(await acceptPresentedGitHostKey(t.db, testHost(HOST).address, 22, pinned)).toBeUndefined();
  expect(await acceptPresentedGitHostKey(t.db, testHost(HOST).address, 22, presented)).toMatchObject({ fingerprint: presented });
  expect((await fetchFrom(urls.scpUrl, 'r5')).sha).toBe(source.head());
  expect(keyDirsLeft()).toEqual([]);
});
