import { eq, getTableColumns, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { findTarget } from '@/db/queries/backups';
import { openTargetSecrets, saveTarget } from '@/lib/backups/targets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { putCertificate, uploadedCertificate } from '@/db/queries/certificates';
import { openEnvValues, upsertEnvValues } from '@/db/queries/env-values';
import { getSetting, putSetting } from '@/db/queries/settings';
import { findWebhook, saveWebhook } from '@/db/queries/webhooks';
import { findDeployKey } from '@/db/queries/deploy-keys';
import { ensureDeployKey, openDeployKey } from '@/lib/git-hosts/deploy-key';
import * as schema from '@/db/schema';
import { appEnvValues } from '@/db/schema';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { certificateKeyAad, twoFactorSecretAad } from '@/db/sealed-aad';
import { findTwoFactor } from '@/db/queries/two-factor';
import { startEnrolment } from '@/lib/auth/two-factor';
import { appConfigInput } from '@/lib/model/app-config';
import {
  KEY_CHECK_SETTING,
  generateKeyText,
  makeKeyCheck,
  open,
  parseKeyRing,
  seal,
  SealError,
  verifyKeyCheck,
  type KeyRing,
} from '@/lib/crypto';
import { openEnvRevision, recordManagedEnvRevision } from '@/lib/env/store';
import { openWebhookSecret, sealWebhookSecret } from '@/lib/releases/webhook';
import { createServer } from '@/lib/servers/create';
import { openPrivateKey } from '@/lib/servers/keys';
import { findServer } from '@/db/queries/servers';
import { findOldVersions, resealAll, RotationError } from './rotate';
import { SEALED_COLUMNS } from '@/db/queries/sealed-columns';
import { findMonitor } from '@/db/queries/monitors';
import { monitorInput } from '@/lib/monitors/input';
import { createMonitor } from '@/lib/monitors/manage';
import { revealHeartbeatUrl } from '@/lib/monitors/heartbeat';
import { openChannelConfig } from '@/lib/notify/channel-config';
import { saveChannel } from '@/lib/notify/channels';
import { connectOpsRepo, openOpsSecret } from '@/lib/gitops/repo';
import { findOpsRepo } from '@/db/queries/ops-repos';
import { insertUser } from '@/db/queries/users';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const v1 = generateKeyText(1);
const v2 = generateKeyText(2);
const ring1 = parseKeyRing(v1);
const ring12 = parseKeyRing(`${v1},${v2}`);
const ring2 = parseKeyRing(v2);

const ENV = { APP_KEY: 'base64:app-key-plaintext', DB_PASSWORD: 'db-password-plaintext' };
const CERT_KEY = '-----BEGIN PRIVATE KEY-----\ncertificate-key-plaintext\n-----END PRIVATE KEY-----\n';
const HOOK_SECRET = 'webhook-secret-plaintext';

let t: TestDb;
let serverId: string;
let appId: string;
let revision: number;
let monitorId: string;
let channelId: string;
let opsRepoId: string;
let opsSecret: string;
let backupTargetId: string;
let twoFactorUserId: number;

/** Every stored sealed value, by column and row: what the rotation must rewrite. */
async function storedValues(): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (const column of SEALED_COLUMNS) {
    for (const value of await column.read(t.db)) all.set(`${column.table}.${column.column} ${value.id}`, value.sealed);
  }
  return all;
}

/** Opens every seeded secret through the code that reads it in the panel. */
async function openEverything(ring: KeyRing) {
  const server = (await findServer(t.db, serverId))!;
  return {
    privateKey: openPrivateKey(ring, serverId, server.privateKeySealed!),
    env: await openEnvValues(t.db, ring, appId, Object.keys(ENV)),
    revision: (await openEnvRevision(t.db, ring, appId, revision)).values,
    certificateKey: open(ring, (await uploadedCertificate(t.db, appId))!.sealedKey!, certificateKeyAad(appId)),
    webhookSecret: openWebhookSecret(ring, appId, (await findWebhook(t.db, appId))!.sealedSecret),
    deployKey: openDeployKey(ring, (await findDeployKey(t.db, appId))!),
    keyCheck: verifyKeyCheck(ring, (await getSetting(t.db, KEY_CHECK_SETTING))!),
    heartbeatUrl: revealHeartbeatUrl(ring, 'https://berth.test', (await findMonitor(t.db, monitorId))!),
    channel: openChannelConfig(
      ring,
      (await t.db.select().from(schema.notificationChannels).where(eq(schema.notificationChannels.id, channelId)))[0]!,
    ),
    opsSecret: openOpsSecret(ring, (await findOpsRepo(t.db, opsRepoId))!),
    backupTarget: openTargetSecrets(ring, (await findTarget(t.db, backupTargetId))!),
    totpSecret: open(ring, (await findTwoFactor(t.db, twoFactorUserId))!.secretSealed, twoFactorSecretAad(twoFactorUserId)),
  };
}

beforeAll(async () => {
  t = await createTestDb();
  // One row per sealed column, all sealed with v1, each through the code that writes it.
  await putSetting(t.db, KEY_CHECK_SETTING, makeKeyCheck(ring1));
  const server = await createServer(t.db, ring1, { name: 'web-1', host: '127.0.0.1', port: 22, username: 'root', bindAddress: null });
  serverId = server.id;
  const config = appConfigInput.parse({ slug: 'rotate-me', kind: 'static', domains: ['rotate.test'] });
  const app = await insertApp(t.db, { slug: 'rotate-me', name: 'Rotate me', config }, [{ serverId, roles: ['web'] }]);
  appId = app.id;
  await upsertEnvValues(t.db, ring1, appId, ENV, false);
  revision = (await recordManagedEnvRevision(t.db, ring1, appId)).revision;
  const certificate = { appId, certificatePem: 'PEM', domains: ['rotate.test'], issuer: 'test', notAfter: new Date('2030-01-01') };
  await putCertificate(t.db, {
    ...certificate,
    serverId: null,
    source: 'uploaded',
    sealedKey: seal(ring1, CERT_KEY, certificateKeyAad(appId)),
  });
  // An ACME row keeps its key on the server: nothing sealed, nothing to rotate.
  await putCertificate(t.db, { ...certificate, serverId, source: 'acme', sealedKey: null });
  await saveWebhook(t.db, appId, sealWebhookSecret(ring1, appId, HOOK_SECRET));
  await ensureDeployKey(t.db, ring1, { id: appId, slug: 'rotate-me' });
  monitorId = (
    await createMonitor(t.db, ring1, monitorInput.parse({ kind: 'heartbeat', name: 'Nightly backup', intervalS: '86400', graceS: '600' }))
  ).id;
  channelId = (
    await saveChannel(t.db, ring1, {
      kind: 'slack',
      name: 'Ops',
      url: 'https://hooks.slack.test/services/T0/B0/slack-secret-plaintext',
      events: ['monitor.down'],
    })
  ).id;
  // A bare repository's HEAD is all connectOpsRepo looks for.
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rotate-ops-'));
  fs.writeFileSync(path.join(bare, 'HEAD'), 'ref: refs/heads/main\n');
  const owner = await insertUser(t.db, { email: 'ops@example.test', name: 'Ops', role: 'admin', passwordHash: 'x' });
  await startEnrolment(t.db, ring1, owner);
  twoFactorUserId = owner.id;
  const connected = await connectOpsRepo(t.db, ring1, owner, { url: bare, branch: 'main', path: 'berth.yaml' });
  opsRepoId = connected.repo.id;
  opsSecret = connected.secret;
  const target = await saveTarget(t.db, ring1, {
    name: 'offsite',
    settings: { kind: 's3', endpoint: 'https://s3.test', region: '', bucket: 'berth-backups', accessKeyId: 'AKIA1' },
    credential: 'S3-SECRET-PLAINTEXT',
  });
  backupTargetId = target.target.id;
});
afterAll(async () => t?.close());

describe('the list of sealed columns', () => {
  it('covers every column of db/schema whose name says it is sealed, and names only real columns', () => {
    const tables = Object.values(schema as Record<string, unknown>).filter((x): x is PgTable => is(x, PgTable));
    const listed = new Set(SEALED_COLUMNS.map((c) => `${c.table}.${c.column}`));
    const sealedInSchema = tables.flatMap((table) =>
      Object.values(getTableColumns(table))
        .filter((column) => column.name.includes('sealed'))
        .map((column) => `${getTableName(table)}.${column.name}`),
    );
    expect(sealedInSchema.length).toBeGreaterThanOrEqual(5);
    for (const name of sealedInSchema)
      expect(listed, `${name} is sealed but key rotation does not reseal it: add it to db/queries/sealed-columns.ts`).toContain(name);
    const existing = new Set(
      tables.flatMap((table) => Object.values(getTableColumns(table)).map((column) => `${getTableName(table)}.${column.name}`)),
    );
    for (const name of listed) expect(existing).toContain(name);
  });
});

describe('resealAll', () => {
  it('has one seeded v1 value in every listed column', async () => {
    const stored = await storedValues();
    for (const column of SEALED_COLUMNS) {
      expect(
        [...stored.keys()].some((k) => k.startsWith(`${column.table}.${column.column} `)),
        `${column.table}.${column.column} seeded`,
      ).toBe(true);
    }
    for (const value of stored.values()) expect(value).toMatch(/^berth:v1:1:/);
    expect(await findOldVersions(t.db, ring12)).toEqual({ stillUsed: [{ version: 1, values: stored.size }], removable: [] });
  });

  it('aborts on a value that does not open, names its table and row but never the value, and writes nothing', async () => {
    const before = await storedValues();
    // DB_PASSWORD's ciphertext copied into APP_KEY's row: well formed, v1, but bound to another row.
    const moved = before.get(`app_env_values.sealed_value app_id=${appId}, key=DB_PASSWORD`)!;
    const original = before.get(`app_env_values.sealed_value app_id=${appId}, key=APP_KEY`)!;
    await t.db.update(appEnvValues).set({ sealedValue: moved }).where(eq(appEnvValues.key, 'APP_KEY'));
    try {
      const error = await resealAll(t.db, ring12).then(
        () => expect.fail('expected the rotation to abort'),
        (err: unknown) => err as RotationError,
      );
      expect(error).toBeInstanceOf(RotationError);
      expect(error.failures).toEqual([
        {
          table: 'app_env_values',
          column: 'sealed_value',
          id: `app_id=${appId}, key=APP_KEY`,
          reason: expect.stringMatching(/does not open/),
        },
      ]);
      expect(error.message).toContain(`app_env_values.sealed_value (app_id=${appId}, key=APP_KEY)`);
      expect(error.message).toMatch(/nothing was changed/);
      for (const secret of [moved, original, ...Object.values(ENV), moved.slice(12, 30)]) expect(error.message).not.toContain(secret);
      const after = await storedValues();
      after.set(`app_env_values.sealed_value app_id=${appId}, key=APP_KEY`, original);
      expect(after).toEqual(before);
    } finally {
      await t.db.update(appEnvValues).set({ sealedValue: original }).where(eq(appEnvValues.key, 'APP_KEY'));
    }
  });

  it('aborts when the ring lacks the key that sealed the values, and says which key', async () => {
    const before = await storedValues();
    const error = (await resealAll(t.db, ring2).catch((err: unknown) => err)) as RotationError;
    expect(error).toBeInstanceOf(RotationError);
    expect(error.failures).toHaveLength(before.size);
    expect(error.failures[0]).toEqual({
      table: 'settings',
      column: 'value',
      id: `key=${KEY_CHECK_SETTING}`,
      reason: 'sealed with key v1, which is not in BERTH_MASTER_KEY',
    });
    expect(await storedValues()).toEqual(before);
  });

  it('reseals every value with the current key in one pass, and counts per table', async () => {
    const before = await storedValues();
    const counts = await resealAll(t.db, ring12);
    const expected = (table: string, column: string) => [...before.keys()].filter((k) => k.startsWith(`${table}.${column} `)).length;
    expect(counts).toEqual(
      SEALED_COLUMNS.map((c) => ({ table: c.table, column: c.column, resealed: expected(c.table, c.column), alreadyCurrent: 0 })),
    );
    expect(counts.find((c) => c.table === 'app_env_values')!.resealed).toBe(2);
    const after = await storedValues();
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const value of after.values()) expect(value).toMatch(/^berth:v1:2:/);
  });

  it('leaves data that opens with v2 alone, key check included, and no longer with v1', async () => {
    const opened = await openEverything(ring2);
    expect(opened).toEqual({
      privateKey: expect.stringContaining('PRIVATE KEY'),
      env: ENV,
      revision: ENV,
      certificateKey: CERT_KEY,
      webhookSecret: HOOK_SECRET,
      deployKey: expect.stringContaining('OPENSSH PRIVATE KEY'),
      keyCheck: undefined,
      heartbeatUrl: expect.stringMatching(/^https:\/\/berth\.test\/api\/heartbeat\/[A-Za-z0-9_-]{43}$/),
      channel: expect.objectContaining({ url: 'https://hooks.slack.test/services/T0/B0/slack-secret-plaintext' }),
      opsSecret,
      backupTarget: { credential: 'S3-SECRET-PLAINTEXT', repoKey: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
      totpSecret: expect.stringMatching(/^[A-Z2-7]{32}$/),
    });
    expect(await openEverything(ring12)).toEqual(opened);
    const v1Only = openEverything(ring1);
    await expect(v1Only).rejects.toThrow(SealError);
    await expect(v1Only).rejects.toThrow('sealed with key v2, which is not in BERTH_MASTER_KEY');
  });

  it('is idempotent: a second run reseals nothing and rewrites no row', async () => {
    const before = await storedValues();
    const counts = await resealAll(t.db, ring12);
    for (const c of counts) expect(c.resealed).toBe(0);
    expect(counts.reduce((n, c) => n + c.alreadyCurrent, 0)).toBe(before.size);
    expect(await storedValues()).toEqual(before);
  });

  it('reports the old version as removable once nothing uses it', async () => {
    expect(await findOldVersions(t.db, ring12)).toEqual({ stillUsed: [], removable: [1] });
    expect(await findOldVersions(t.db, ring2)).toEqual({ stillUsed: [], removable: [] });
    // A value written meanwhile by a panel still on the old ring keeps v1 in use.
    await upsertEnvValues(t.db, ring1, appId, { LATE: 'x' }, false);
    expect(await findOldVersions(t.db, ring12)).toEqual({ stillUsed: [{ version: 1, values: 1 }], removable: [] });
    expect(await resealAll(t.db, ring12)).toContainEqual({
      table: 'app_env_values',
      column: 'sealed_value',
      resealed: 1,
      alreadyCurrent: 2,
    });
    expect(await findOldVersions(t.db, ring12)).toEqual({ stillUsed: [], removable: [1] });
  });
});
