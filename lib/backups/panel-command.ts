import fs from 'node:fs';
import path from 'node:path';
import { closeClient, type DbClient, drizzleFor, openClient } from '@/db/client';
import { findTargetByName } from '@/db/queries/backups';
import { DataDirLockedError, lockDataDir } from '@/db/lock';
import { masterKeySource, resolveKeyRing } from '@/lib/boot/secrets';
import { type BerthEnv, readEnv } from '@/lib/config/env';
import type { KeyRing } from '@/lib/crypto';
import { type TargetSettings, targetSettingsInput } from '@/lib/model/backup-policy';
import { backupPanel, type PanelBackupResult } from './panel-backup';
import { type RestorePanelResult, restorePanel } from './panel-restore';
import { PANEL_REPOSITORY } from './panel-restic';
import { needsCredential, openTargetSecrets } from './targets';

/**
 * The local commands of the panel's own backup (`npm run backup-panel | restore-panel |
 * backup-key`): they run on the panel machine as root (or the data directory's owner), read the
 * configuration as the panel does, and never print the master key. On PGlite only one process
 * may open the database, so backup-panel and backup-key refuse while the panel runs (the running
 * panel backs itself up on its schedule instead: runPanelBackup).
 */

export class PanelCommandError extends Error {
  override name = 'PanelCommandError';
}

/** What an operator keeps to restore a lost panel (besides the master key and the target's credential). */
export type RecoverySheet = { target: string; repository: string; settings: TargetSettings; repoKey: string; credential?: string };

type Opened = { ring: KeyRing; client: DbClient; close(): Promise<void> };

/** The panel's database and key ring, opened as the panel would (refused on PGlite while the panel runs). */
async function openPanel(env: BerthEnv, command: string): Promise<Opened> {
  requireLocalAdmin(env);
  let unlock = () => {};
  if (!env.databaseUrl) {
    if (!fs.existsSync(path.join(env.dataDir, 'pglite')))
      throw new PanelCommandError(
        `There is no panel database in ${env.dataDir}: set BERTH_DATA_DIR (or DATABASE_URL) as the panel has it.`,
      );
    try {
      unlock = lockDataDir(env.dataDir);
    } catch (err) {
      if (!(err instanceof DataDirLockedError)) throw err;
      throw new PanelCommandError(
        `The panel is running on ${env.dataDir}, and its embedded database opens in one process only. ` +
          (command === 'backup-panel'
            ? 'The running panel backs itself up on its schedule; to back up now from here, stop it first.'
            : `Stop the panel, run npm run ${command} again, then start it.`),
      );
    }
  }
  try {
    const ring = resolveKeyRing(env);
    const client = await openClient(env.databaseUrl ? { databaseUrl: env.databaseUrl } : { pgliteDir: path.join(env.dataDir, 'pglite') });
    return {
      ring,
      client,
      async close() {
        await closeClient(client).catch(() => {});
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

/** Root, or the user who owns the data directory (the panel's own user): nobody else reads keys. */
function requireLocalAdmin(env: BerthEnv): void {
  const uid = process.getuid?.();
  if (uid === undefined || uid === 0) return;
  const owner = fs.existsSync(env.dataDir) ? fs.statSync(env.dataDir).uid : -1;
  if (owner !== uid) throw new PanelCommandError(`Run this as root or as the user the panel runs as (the owner of ${env.dataDir}).`);
}

async function targetOf(opened: Opened, name: string) {
  const target = await findTargetByName(drizzleFor(opened.client), name);
  if (!target) throw new PanelCommandError(`There is no backup target named ${name}.`);
  return target;
}

export async function backupPanelCommand(source: Record<string, string | undefined>, targetName: string): Promise<PanelBackupResult> {
  const env = readEnv(source);
  const opened = await openPanel(env, 'backup-panel');
  try {
    const target = await targetOf(opened, targetName);
    const database =
      opened.client.kind === 'pglite'
        ? { kind: 'pglite' as const, pglite: opened.client.pglite }
        : { kind: 'postgres' as const, databaseUrl: env.databaseUrl! };
    return await backupPanel({ database, settings: target.settings, secrets: openTargetSecrets(opened.ring, target) });
  } finally {
    await opened.close();
  }
}

/** The target's repository key (and, for --json, the whole recovery sheet); the credential only when asked. */
export async function backupKeyCommand(
  source: Record<string, string | undefined>,
  targetName: string,
  opts: { withCredential?: boolean } = {},
): Promise<RecoverySheet> {
  const env = readEnv(source);
  const opened = await openPanel(env, 'backup-key');
  try {
    const target = await targetOf(opened, targetName);
    const secrets = openTargetSecrets(opened.ring, target);
    return {
      target: target.name,
      repository: PANEL_REPOSITORY,
      settings: target.settings,
      repoKey: secrets.repoKey,
      ...(opts.withCredential && secrets.credential ? { credential: secrets.credential } : {}),
    };
  } finally {
    await opened.close();
  }
}

/**
 * Restores into the data directory or database this environment names, which must be new. The
 * master key must already be in place (BERTH_MASTER_KEY, or <data dir>/master.key): it is never
 * generated here, since a new key could not open the restored secrets.
 */
export async function restorePanelCommand(
  source: Record<string, string | undefined>,
  opts: { sheetFile: string; credentialFile?: string; snapshot?: string },
): Promise<RestorePanelResult> {
  const env = readEnv(source);
  requireLocalAdmin(env);
  const keySource = masterKeySource(env);
  if (!env.masterKeyText && keySource.kind === 'file' && !fs.existsSync(keySource.path))
    throw new PanelCommandError(`Put the kept master key in ${keySource.path} (mode 0600) or set BERTH_MASTER_KEY, then run again.`);
  if (!env.masterKeyText && env.databaseUrl)
    throw new PanelCommandError('Set BERTH_MASTER_KEY to the kept master key (DATABASE_URL is set).');
  const sheet = readSheet(opts.sheetFile);
  const credential = opts.credentialFile ? fs.readFileSync(opts.credentialFile, 'utf8').trim() : (sheet.credential ?? null);
  if (needsCredential(sheet.settings.kind) && !credential)
    throw new PanelCommandError(
      `The ${sheet.settings.kind} target needs its credential: --credential-file FILE (the ${sheet.settings.kind === 's3' ? 'secret access key' : 'SFTP private key'}).`,
    );
  if (!env.databaseUrl) fs.mkdirSync(env.dataDir, { recursive: true, mode: 0o700 });
  return restorePanel({
    settings: sheet.settings,
    secrets: { credential, repoKey: sheet.repoKey },
    snapshot: opts.snapshot,
    into: env.databaseUrl ? { kind: 'postgres', databaseUrl: env.databaseUrl } : { kind: 'pglite', dataDir: env.dataDir },
    ring: resolveKeyRing(env),
  });
}

function readSheet(file: string): RecoverySheet {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PanelCommandError(`Cannot read the recovery sheet ${file}: ${(err as Error).message}`);
  }
  const r = raw as Partial<RecoverySheet>;
  const settings = targetSettingsInput.safeParse(r?.settings);
  if (!settings.success || typeof r.repoKey !== 'string' || !r.repoKey)
    throw new PanelCommandError(`${file} is not a recovery sheet (npm run backup-key -- <target> --json writes one).`);
  return {
    target: String(r.target ?? ''),
    repository: PANEL_REPOSITORY,
    settings: settings.data,
    repoKey: r.repoKey,
    credential: r.credential,
  };
}
