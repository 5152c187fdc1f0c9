import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { lockDataDir } from '@/db/lock';
import { KEY_CHECK_SETTING, type KeyRing, verifyKeyCheck } from '@/lib/crypto';
import type { TargetSettings } from '@/lib/model/backup-policy';
import { listPanelSnapshots, type PanelManifest, readSnapshot } from './panel-backup';
import { loadPgliteDump, pgliteVersion, restorePostgres } from './panel-dump';
import { openResticSession } from './panel-restic';
import type { TargetSecrets } from './targets';

/**
 * Restores a panel backup into a FRESH panel (issue 17 item 7): an empty data directory (PGlite)
 * or an empty database (Postgres), never over a live one. The kept master key ring must open the
 * restored database's key check before the restore counts: on PGlite the data is loaded beside
 * the final place and moved in only then, so a wrong key leaves nothing behind.
 */

export type RestoreInto = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; databaseUrl: string };

export type RestorePanelOptions = {
  /** The target as the lost panel had it (from `npm run backup-key -- <target> --json`). */
  settings: TargetSettings;
  secrets: TargetSecrets;
  /** A snapshot id (short or long); the newest panel snapshot when omitted. */
  snapshot?: string;
  into: RestoreInto;
  /** The kept master key ring: it must open the restored data. */
  ring: KeyRing;
};

export type RestorePanelResult = { snapshotId: string; manifest: PanelManifest; durationMs: number; where: string; warnings: string[] };

export class PanelRestoreError extends Error {
  override name = 'PanelRestoreError';
}

export async function restorePanel(opts: RestorePanelOptions): Promise<RestorePanelResult> {
  const started = Date.now();
  const warnings: string[] = [];
  const unlock = opts.into.kind === 'pglite' ? claimFreshDataDir(opts.into.dataDir) : () => {};
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-panel-restore-'));
  const session = openResticSession(opts.settings, opts.secrets);
  try {
    fs.chmodSync(staging, 0o700);
    const snapshots = await listPanelSnapshots(session);
    const chosen = opts.snapshot
      ? snapshots.find((s) => opts.snapshot!.startsWith(s.id) || s.id.startsWith(opts.snapshot!))
      : snapshots.at(-1);
    if (!chosen)
      throw new PanelRestoreError(
        opts.snapshot
          ? `There is no panel snapshot ${opts.snapshot} in ${session.repository}`
          : `There is no panel backup in ${session.repository}`,
      );
    const { manifest, file } = await readSnapshot(session, chosen.id, path.join(staging, 'snapshot'));
    const wanted = opts.into.kind === 'pglite' ? 'pglite-datadir' : 'pg_dump-custom';
    if (manifest.format !== wanted)
      throw new PanelRestoreError(
        `Snapshot ${chosen.id} is a ${manifest.format === 'pglite-datadir' ? 'PGlite (embedded)' : 'Postgres'} panel: restore it with ${
          manifest.format === 'pglite-datadir' ? 'DATABASE_URL unset' : 'DATABASE_URL set to a new, empty database'
        }`,
      );
    const into = opts.into;
    let where: string;
    if (into.kind === 'pglite') {
      if (!manifest.tool.endsWith(pgliteVersion()))
        warnings.push(`The backup was made by ${manifest.tool}; this Berth runs pglite ${pgliteVersion()}.`);
      where = await intoPglite(file, into.dataDir, opts.ring);
    } else {
      await restorePostgres(into.databaseUrl, file, staging);
      await checkKey(opts.ring, () => postgresKeyCheck(into.databaseUrl), 'postgres');
      where = new URL(into.databaseUrl).pathname.slice(1);
    }
    return { snapshotId: chosen.id, manifest, durationMs: Date.now() - started, where, warnings };
  } finally {
    session.close();
    fs.rmSync(staging, { recursive: true, force: true });
    unlock();
  }
}

async function intoPglite(file: string, dataDir: string, ring: KeyRing): Promise<string> {
  const final = path.join(dataDir, 'pglite');
  const loading = path.join(dataDir, 'pglite.restoring');
  fs.rmSync(loading, { recursive: true, force: true });
  try {
    const pglite = await loadPgliteDump(file, loading);
    try {
      await checkKey(
        ring,
        async () =>
          (await pglite.query<{ value: string }>('select value from settings where key = $1', [KEY_CHECK_SETTING])).rows[0]?.value,
        'pglite',
      );
    } finally {
      await pglite.close();
    }
    fs.renameSync(loading, final);
    return final;
  } catch (err) {
    fs.rmSync(loading, { recursive: true, force: true });
    throw err;
  }
}

async function checkKey(ring: KeyRing, read: () => Promise<string | undefined>, kind: 'pglite' | 'postgres'): Promise<void> {
  const stored = await read();
  if (!stored) throw new PanelRestoreError('The restored database has no master key check: it is not a panel that ever started');
  try {
    verifyKeyCheck(ring, stored);
  } catch (err) {
    throw new PanelRestoreError(
      `The master key you gave does not open this backup's secrets (${(err as Error).message}). ` +
        (kind === 'pglite'
          ? 'Nothing was restored. Use the key ring the panel had when the backup was taken.'
          : 'The database was restored but the panel will refuse this key: drop it, and restore again with the key the panel had.'),
      { cause: err },
    );
  }
}

async function postgresKeyCheck(databaseUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ value: string }>('select value from settings where key = $1', [KEY_CHECK_SETTING])).rows[0]?.value;
  } finally {
    await client.end();
  }
}

/** An empty (or new) data directory only, held with the panel's own lock while restoring. */
function claimFreshDataDir(dataDir: string): () => void {
  const existing = path.join(dataDir, 'pglite');
  if (fs.existsSync(existing) && fs.readdirSync(existing).length > 0)
    throw new PanelRestoreError(`${dataDir} already holds a database (${existing}): restore into a new, empty data directory`);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return lockDataDir(dataDir);
}
