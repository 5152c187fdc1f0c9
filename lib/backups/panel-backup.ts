import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Db } from '@/db';
import { findTargetByName } from '@/db/queries/backups';
import { readEnv } from '@/lib/config/env';
import type { KeyRing } from '@/lib/crypto';
import { type Retention, retentionInput, type TargetSettings } from '@/lib/model/backup-policy';
import { type DumpFormat, dumpPglite, dumpPostgres } from './panel-dump';
import { openResticSession, resticError } from './panel-restic';
import { openTargetSecrets, type TargetSecrets } from './targets';

/**
 * The panel's own backup (issue 17 item 7): Berth's database, dumped with the tool its backend
 * needs (panel-dump.ts), into the repository `_berth-panel` on a backup target, encrypted by
 * restic with that target's repository key. The master key is never in it: on PGlite it is a
 * file beside the database directory (not inside what is dumped), on Postgres an environment
 * variable. Restoring therefore needs three things kept apart from the panel: the master key,
 * the target's repository key (`npm run backup-key`), and the target's own credential.
 */

export const PANEL_TAG = 'berth-panel';
/** restic's host name for every panel snapshot, so a rebuilt panel machine continues the same history. */
const PANEL_HOST = 'berth-panel';
const FOLDER = 'berth-panel';

export type PanelDatabase = { kind: 'pglite'; pglite: PGlite } | { kind: 'postgres'; databaseUrl: string };

/** Written beside the dump in each snapshot (`berth-panel/manifest.json`). */
export type PanelManifest = {
  kind: 'berth-panel-backup';
  version: 1;
  format: DumpFormat;
  /** The dump's file name inside `berth-panel/`. */
  file: string;
  sha256: string;
  bytes: number;
  createdAt: string;
  serverVersion: string;
  tool: string;
  /** Drizzle migrations applied when it was taken: a panel older than this cannot open it. */
  migrations: number | null;
};

export type PanelBackupResult = {
  snapshotId: string;
  manifest: PanelManifest;
  repository: string;
  /** The repository was made by this run (the target's first panel backup). */
  initialized: boolean;
  /** New data the target received (after dedup and compression). */
  addedBytes: number;
  durationMs: number;
  /** How long the panel's own queries waited for the dump (PGlite only). */
  pauseMs: number | null;
  /** The snapshot's dump read back from the target matched its sha256. */
  verified: true;
  /** Snapshots removed by retention (restic forget --prune); 0 without retention. */
  forgotten: number;
};

export type BackupPanelOptions = {
  database: PanelDatabase;
  settings: TargetSettings;
  secrets: TargetSecrets;
  /** GFS retention of the panel's snapshots on the target; undefined keeps all. */
  retention?: Retention;
  /** Told as each stage is reached (the scheduled job shows them: dumped → uploaded → verified). */
  onStage?: (stage: PanelStage) => void | Promise<void>;
};

export type PanelStage = 'dumped' | 'uploaded' | 'verified';

export async function backupPanel(opts: BackupPanelOptions): Promise<PanelBackupResult> {
  const started = Date.now();
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-panel-backup-'));
  const session = openResticSession(opts.settings, opts.secrets);
  try {
    fs.chmodSync(staging, 0o700);
    fs.mkdirSync(path.join(staging, FOLDER), { mode: 0o700 });
    const file = opts.database.kind === 'pglite' ? 'database.tar' : 'database.dump';
    const full = path.join(staging, FOLDER, file);
    const dump =
      opts.database.kind === 'pglite'
        ? await dumpPglite(opts.database.pglite, full)
        : await dumpPostgres(opts.database.databaseUrl, full, staging);
    const manifest: PanelManifest = {
      kind: 'berth-panel-backup',
      version: 1,
      format: dump.format,
      file,
      sha256: await sha256File(full),
      bytes: fs.statSync(full).size,
      createdAt: new Date().toISOString(),
      serverVersion: dump.serverVersion,
      tool: dump.tool,
      migrations: await migrationCount(opts.database),
    };
    fs.writeFileSync(path.join(staging, FOLDER, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await opts.onStage?.('dumped');
    const initialized = await session.initIfAbsent();
    const out = await session
      .run(['backup', '--json', '--host', PANEL_HOST, '--tag', PANEL_TAG, '--tag', `format=${dump.format}`, FOLDER], { cwd: staging })
      .catch((err) => {
        throw resticError(err);
      });
    const summary = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message_type?: string; snapshot_id?: string; data_added?: number })
      .find((m) => m.message_type === 'summary');
    if (!summary?.snapshot_id) throw new Error('restic backup printed no snapshot id');
    await opts.onStage?.('uploaded');
    // Read back from the target, not trusted from the upload: the dump restores and matches.
    const back = await readSnapshot(session, summary.snapshot_id, path.join(staging, 'readback'));
    if (back.manifest.sha256 !== manifest.sha256)
      throw new Error(`The snapshot ${summary.snapshot_id} read back from the target does not match the dump`);
    fs.rmSync(path.join(staging, 'readback'), { recursive: true, force: true });
    await opts.onStage?.('verified');
    const forgotten = opts.retention ? await forget(session, opts.retention) : 0;
    return {
      snapshotId: summary.snapshot_id,
      manifest,
      repository: session.repository,
      initialized,
      addedBytes: summary.data_added ?? 0,
      durationMs: Date.now() - started,
      pauseMs: dump.pauseMs ?? null,
      verified: true,
      forgotten,
    };
  } finally {
    session.close();
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * For the panel's periodic job (in the panel process, so PGlite is dumped through the panel's
 * own live instance; a second process on the data directory would corrupt it). Reads the
 * target by name, opens its secrets with the ring, backs up, and applies GFS retention.
 */
export async function runPanelBackup(
  db: Db,
  ring: KeyRing,
  targetName: string,
  opts: { retention?: Retention; onStage?: BackupPanelOptions['onStage'] } = {},
): Promise<PanelBackupResult> {
  const target = await findTargetByName(db, targetName);
  if (!target) throw new Error(`There is no backup target named ${targetName}`);
  return backupPanel({
    database: panelDatabaseOf(db),
    settings: target.settings,
    secrets: openTargetSecrets(ring, target),
    retention: opts.retention ?? retentionInput.parse({}),
    onStage: opts.onStage,
  });
}

/** The raw connection behind the panel's Drizzle handle: the PGlite instance, or the Postgres URL. */
export function panelDatabaseOf(db: Db): PanelDatabase {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (client instanceof PGlite) return { kind: 'pglite', pglite: client };
  const url = (client as { options?: { connectionString?: string } } | undefined)?.options?.connectionString ?? readEnv().databaseUrl;
  if (!url) throw new Error('The panel database is neither PGlite nor a Postgres pool with a connection string');
  return { kind: 'postgres', databaseUrl: url };
}

export type PanelSnapshot = { id: string; time: string; tags: string[] };

export async function listPanelSnapshots(session: ReturnType<typeof openResticSession>): Promise<PanelSnapshot[]> {
  const out = await session.run(['snapshots', '--json', '--tag', PANEL_TAG]).catch((err) => {
    throw resticError(err);
  });
  const list = JSON.parse(out || '[]') as { short_id: string; id: string; time: string; tags?: string[] }[];
  return list
    .map((s) => ({ id: s.short_id ?? s.id.slice(0, 8), time: s.time, tags: s.tags ?? [] }))
    .sort((a, b) => a.time.localeCompare(b.time));
}

/** Restores one snapshot's `berth-panel/` into `dir` and checks the dump against its manifest. */
export async function readSnapshot(
  session: ReturnType<typeof openResticSession>,
  snapshotId: string,
  dir: string,
): Promise<{ manifest: PanelManifest; file: string }> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  await session.run(['restore', snapshotId, '--target', dir, '--include', `/${FOLDER}`]).catch((err) => {
    throw resticError(err);
  });
  const folder = findFolder(dir);
  const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as PanelManifest;
  if (manifest.kind !== 'berth-panel-backup') throw new Error(`Snapshot ${snapshotId} is not a Berth panel backup`);
  const file = path.join(folder, manifest.file);
  const sha = await sha256File(file);
  if (sha !== manifest.sha256) throw new Error(`Snapshot ${snapshotId}: the dump's sha256 is ${sha}, its manifest says ${manifest.sha256}`);
  return { manifest, file };
}

/** restic restores the path as it was backed up (…/berth-panel under the staging dir's absolute path). */
function findFolder(dir: string): string {
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (path.basename(entry) === 'manifest.json' && path.basename(path.dirname(entry)) === FOLDER)
      return path.join(dir, path.dirname(entry));
  }
  throw new Error('The snapshot holds no berth-panel/manifest.json');
}

async function forget(session: ReturnType<typeof openResticSession>, r: Retention): Promise<number> {
  const keep = [
    ...(r.daily ? ['--keep-daily', String(r.daily)] : []),
    ...(r.weekly ? ['--keep-weekly', String(r.weekly)] : []),
    ...(r.monthly ? ['--keep-monthly', String(r.monthly)] : []),
  ];
  // Grouped by host only: every run's staging path differs, and the default grouping adds paths.
  const out = await session.run(['forget', '--json', '--tag', PANEL_TAG, '--group-by', 'host', ...keep, '--prune']).catch((err) => {
    throw resticError(err);
  });
  const groups = JSON.parse(out.trim().split('\n')[0] || '[]') as { remove?: unknown[] | null }[];
  return groups.reduce((n, g) => n + (g.remove?.length ?? 0), 0);
}

async function migrationCount(database: PanelDatabase): Promise<number | null> {
  const q = 'select count(*)::int as n from drizzle.__drizzle_migrations';
  try {
    if (database.kind === 'pglite') return (await database.pglite.query<{ n: number }>(q)).rows[0]!.n;
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: database.databaseUrl });
    await client.connect();
    try {
      return (await client.query<{ n: number }>(q)).rows[0]!.n;
    } finally {
      await client.end();
    }
  } catch {
    return null;
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
