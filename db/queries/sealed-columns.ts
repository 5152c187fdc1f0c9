import { and, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '@/db';
import {
  appCertificates,
  appEnvValues,
  appWebhooks,
  backupTargets,
  envRevisions,
  monitors,
  notificationChannels,
  opsRepos,
  servers,
  settings,
  userTwoFactor,
} from '@/db/schema';
import {
  backupCredentialAad,
  backupRepoKeyAad,
  certificateKeyAad,
  channelConfigAad,
  envRevisionAad,
  envValueAad,
  heartbeatTokenAad,
  opsSecretAad,
  privateKeyAad,
  twoFactorSecretAad,
  webhookSecretAad,
} from '@/db/sealed-aad';
import { KEY_CHECK_AAD, KEY_CHECK_SETTING } from '@/lib/crypto';
import { deployKeySealedColumn } from './deploy-keys';

/** One stored sealed value: where it lives (never what it holds) and the row identity it is bound to. */
export type SealedValue = {
  /** The row, for messages: its primary key, never its value. */
  id: string;
  sealed: string;
  aad: string;
  /** Replaces the value in its row. */
  write(db: Db, sealed: string): Promise<void>;
};

export type SealedColumn = {
  /** SQL names, as in db/schema: the completeness test matches them against every table. */
  table: string;
  column: string;
  /** Every non-null value of the column; `lock` takes row locks until the transaction ends. */
  read(db: Db, opts?: { lock?: boolean }): Promise<SealedValue[]>;
};

const lockIf = <Q extends { for(strength: 'update'): Q }>(query: Q, lock?: boolean): Q => (lock ? query.for('update') : query);

/**
 * Every column that holds values sealed with BERTH_MASTER_KEY, and the AAD each row's value is
 * sealed with (db/sealed-aad.ts, shared with the code that seals it). Key rotation walks exactly
 * this list, and a test fails when db/schema gains a `*sealed*` column that is not on it.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    // First, so a wrong key shows up against the check before any other row.
    table: 'settings',
    column: 'value',
    async read(db, opts) {
      const rows = await lockIf(
        db.select({ value: settings.value }).from(settings).where(eq(settings.key, KEY_CHECK_SETTING)).$dynamic(),
        opts?.lock,
      );
      return rows.map((r) => ({
        id: `key=${KEY_CHECK_SETTING}`,
        sealed: r.value,
        aad: KEY_CHECK_AAD,
        write: (w, sealed) =>
          w
            .update(settings)
            .set({ value: sealed, updatedAt: new Date() })
            .where(eq(settings.key, KEY_CHECK_SETTING))
            .then(() => {}),
      }));
    },
  },
  {
    table: 'servers',
    column: 'private_key_sealed',
    async read(db, opts) {
      const rows = await lockIf(db.select({ id: servers.id, sealed: servers.privateKeySealed }).from(servers).$dynamic(), opts?.lock);
      return rows.flatMap((r) =>
        r.sealed === null
          ? []
          : [
              {
                id: `id=${r.id}`,
                sealed: r.sealed,
                aad: privateKeyAad(r.id),
                write: (w, sealed) =>
                  w
                    .update(servers)
                    .set({ privateKeySealed: sealed })
                    .where(eq(servers.id, r.id))
                    .then(() => {}),
              },
            ],
      );
    },
  },
  {
    table: 'app_certificates',
    column: 'sealed_key',
    async read(db, opts) {
      const query = db
        .select({ id: appCertificates.id, appId: appCertificates.appId, sealed: appCertificates.sealedKey })
        .from(appCertificates)
        .where(isNotNull(appCertificates.sealedKey));
      const rows = await lockIf(query.$dynamic(), opts?.lock);
      return rows.map((r) => ({
        id: `id=${r.id}`,
        sealed: r.sealed!,
        aad: certificateKeyAad(r.appId),
        write: (w, sealed) =>
          w
            .update(appCertificates)
            .set({ sealedKey: sealed })
            .where(eq(appCertificates.id, r.id))
            .then(() => {}),
      }));
    },
  },
  {
    table: 'app_env_values',
    column: 'sealed_value',
    async read(db, opts) {
      const rows = await lockIf(
        db.select({ appId: appEnvValues.appId, key: appEnvValues.key, sealed: appEnvValues.sealedValue }).from(appEnvValues).$dynamic(),
        opts?.lock,
      );
      return rows.map((r) => ({
        // Key names are not secret (pages list them); the value is.
        id: `app_id=${r.appId}, key=${r.key}`,
        sealed: r.sealed,
        aad: envValueAad(r.appId, r.key),
        write: (w, sealed) =>
          w
            .update(appEnvValues)
            .set({ sealedValue: sealed })
            .where(and(eq(appEnvValues.appId, r.appId), eq(appEnvValues.key, r.key)))
            .then(() => {}),
      }));
    },
  },
  {
    table: 'env_revisions',
    column: 'sealed_snapshot',
    async read(db, opts) {
      const rows = await lockIf(
        db
          .select({ appId: envRevisions.appId, number: envRevisions.number, sealed: envRevisions.sealedSnapshot })
          .from(envRevisions)
          .$dynamic(),
        opts?.lock,
      );
      return rows.map((r) => ({
        id: `app_id=${r.appId}, number=${r.number}`,
        sealed: r.sealed,
        aad: envRevisionAad(r.appId, r.number),
        write: (w, sealed) =>
          w
            .update(envRevisions)
            .set({ sealedSnapshot: sealed })
            .where(and(eq(envRevisions.appId, r.appId), eq(envRevisions.number, r.number)))
            .then(() => {}),
      }));
    },
  },
  {
    table: 'app_webhooks',
    column: 'sealed_secret',
    async read(db, opts) {
      const rows = await lockIf(
        db.select({ appId: appWebhooks.appId, sealed: appWebhooks.sealedSecret }).from(appWebhooks).$dynamic(),
        opts?.lock,
      );
      return rows.map((r) => ({
        id: `app_id=${r.appId}`,
        sealed: r.sealed,
        aad: webhookSecretAad(r.appId),
        write: (w, sealed) =>
          w
            .update(appWebhooks)
            .set({ sealedSecret: sealed })
            .where(eq(appWebhooks.appId, r.appId))
            .then(() => {}),
      }));
    },
  },
  {
    table: 'ops_repos',
    column: 'secret_sealed',
    async read(db, opts) {
      const rows = await lockIf(db.select({ id: opsRepos.id, sealed: opsRepos.secretSealed }).from(opsRepos).$dynamic(), opts?.lock);
      return rows.map((r) => ({
        id: `id=${r.id}`,
        sealed: r.sealed,
        aad: opsSecretAad(r.id),
        write: (w, sealed) =>
          w
            .update(opsRepos)
            .set({ secretSealed: sealed })
            .where(eq(opsRepos.id, r.id))
            .then(() => {}),
      }));
    },
  },
  {
    table: 'monitors',
    column: 'token_sealed',
    async read(db, opts) {
      const rows = await lockIf(
        db.select({ id: monitors.id, sealed: monitors.tokenSealed }).from(monitors).where(isNotNull(monitors.tokenSealed)).$dynamic(),
        opts?.lock,
      );
      return rows.map((r) => ({
        id: `id=${r.id}`,
        sealed: r.sealed!,
        aad: heartbeatTokenAad(r.id),
        write: (w, sealed) =>
          w
            .update(monitors)
            .set({ tokenSealed: sealed })
            .where(eq(monitors.id, r.id))
            .then(() => {}),
      }));
    },
  },
  {
    table: 'notification_channels',
    column: 'config_sealed',
    async read(db, opts) {
      const rows = await lockIf(
        db.select({ id: notificationChannels.id, sealed: notificationChannels.configSealed }).from(notificationChannels).$dynamic(),
        opts?.lock,
      );
      return rows.map((r) => ({
        id: `id=${r.id}`,
        sealed: r.sealed,
        aad: channelConfigAad(r.id),
        write: (w, sealed) =>
          w
            .update(notificationChannels)
            .set({ configSealed: sealed })
            .where(eq(notificationChannels.id, r.id))
            .then(() => {}),
      }));
    },
  },
  {
    table: 'user_two_factor',
    column: 'secret_sealed',
    async read(db, opts) {
      const rows = await lockIf(
        db.select({ userId: userTwoFactor.userId, sealed: userTwoFactor.secretSealed }).from(userTwoFactor).$dynamic(),
        opts?.lock,
      );
      return rows.map((r) => ({
        id: `user_id=${r.userId}`,
        sealed: r.sealed,
        aad: twoFactorSecretAad(r.userId),
        write: (w, sealed) =>
          w
            .update(userTwoFactor)
            .set({ secretSealed: sealed })
            .where(eq(userTwoFactor.userId, r.userId))
            .then(() => {}),
      }));
    },
  },
  ...(['credential', 'repoKey'] as const).map(
    (which): SealedColumn => ({
      table: 'backup_targets',
      column: which === 'credential' ? 'credential_sealed' : 'repo_key_sealed',
      async read(db, opts) {
        const col = which === 'credential' ? backupTargets.credentialSealed : backupTargets.repoKeySealed;
        const rows = await lockIf(
          db.select({ id: backupTargets.id, sealed: col }).from(backupTargets).where(isNotNull(col)).$dynamic(),
          opts?.lock,
        );
        const aad = which === 'credential' ? backupCredentialAad : backupRepoKeyAad;
        return rows.map((r) => ({
          id: `id=${r.id}`,
          sealed: r.sealed!,
          aad: aad(r.id),
          write: (w, sealed) =>
            w
              .update(backupTargets)
              .set(which === 'credential' ? { credentialSealed: sealed } : { repoKeySealed: sealed })
              .where(eq(backupTargets.id, r.id))
              .then(() => {}),
        }));
      },
    }),
  ),
  deployKeySealedColumn,
];
