import fs from 'node:fs';
import path from 'node:path';
import { closeClient, drizzleFor, openClient, type DbClient } from '@/db/client';
import { DataDirLockedError, lockDataDir } from '@/db/lock';
import { masterKeySource, resolveKeyRing } from '@/lib/boot/secrets';
import { readEnv, type BerthEnv } from '@/lib/config/env';
import { generateKeyText, type KeyRing } from '@/lib/crypto';
import { findOldVersions, resealAll, type KeyVersionUse, type ResealCount } from './rotate';

/**
 * `npm run rotate-key`: re-seals every stored secret with the newest key of the ring, then says
 * which older versions can go. Key material is read the way the panel reads it (lib/boot/secrets)
 * and is never printed.
 */
export type RotateOptions = {
  /** Embedded mode with data/master.key: append a fresh, higher version to the file first. */
  newKey?: boolean;
  /** Embedded mode with data/master.key: afterwards, remove from the file the versions nothing uses. */
  dropOld?: boolean;
};

export type RotateReport = {
  current: number;
  counts: ResealCount[];
  stillUsed: KeyVersionUse[];
  removable: number[];
  added?: number;
  dropped: number[];
  /** --drop-old: where the removed versions were moved. */
  retiredFile?: string;
};

/** A problem the operator fixes (panel running, no database, flag not possible here). */
export class RotateCommandError extends Error {
  override name = 'RotateCommandError';
}

const COMMAND = 'npm run rotate-key';

export async function rotateMasterKey(
  source: Record<string, string | undefined>,
  opts: RotateOptions,
  print: (line: string) => void,
): Promise<RotateReport> {
  const env = readEnv(source);
  const keySource = masterKeySource(env);
  if ((opts.newKey || opts.dropOld) && keySource.kind === 'env') {
    throw new RotateCommandError(
      `${opts.newKey ? '--new-key' : '--drop-old'} edits the embedded default's data/master.key, but here the key ring comes from BERTH_MASTER_KEY. ` +
        `Edit BERTH_MASTER_KEY yourself (${opts.newKey ? `append ${nextKeyHint(resolveKeyRing(env))}` : 'remove the versions this command reports unused'}), then run ${COMMAND} without flags.`,
    );
  }
  const unlock = env.databaseUrl ? () => {} : claimEmbeddedDatabase(env);
  let client: DbClient | undefined;
  try {
    let ring = resolveKeyRing(env);
    let added: number | undefined;
    if (opts.newKey && keySource.kind === 'file') {
      added = ring.current + 1;
      // The new key is on disk before anything is sealed with it; if what follows fails, the
      // ring simply holds one more key and every value still opens.
      writeKeyFile(keySource.path, `${serializeRing(ring)},${generateKeyText(added)}`);
      ring = resolveKeyRing(env);
      print(`Added key v${added} to ${keySource.path}.`);
    }
    client = await openClient(env.databaseUrl ? { databaseUrl: env.databaseUrl } : { pgliteDir: path.join(env.dataDir, 'pglite') });
    const db = drizzleFor(client);
    const counts = await explainSchemaErrors(() => resealAll(db, ring));
    const { stillUsed, removable } = await findOldVersions(db, ring);
    printCounts(print, ring, counts);
    let dropped: number[] = [];
    let retiredFile: string | undefined;
    if (opts.dropOld && keySource.kind === 'file' && removable.length > 0) {
      dropped = removable;
      // Backups taken before the rotation open only with the old key: it is moved aside, not
      // destroyed, and the operator decides where it lives from now on.
      retiredFile = `${keySource.path}.removed-${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}`;
      writeKeyFile(
        retiredFile,
        serializeRing(ring, (v) => removable.includes(v)),
      );
      writeKeyFile(
        keySource.path,
        serializeRing(ring, (v) => !removable.includes(v)),
      );
      print(
        `Removed ${versions(dropped)} from ${keySource.path}; ${dropped.length === 1 ? 'it is' : 'they are'} now in ${retiredFile} (mode 0600).`,
      );
      print('Move that file to where your backups from before now are kept (only it opens their secrets), then delete it here.');
    }
    printVersions(
      print,
      env,
      ring,
      keySource.kind,
      stillUsed,
      removable.filter((v) => !dropped.includes(v)),
      dropped.length > 0,
    );
    return { current: ring.current, counts, stillUsed, removable, added, dropped, retiredFile };
  } finally {
    if (client) await closeClient(client).catch(() => {});
    unlock();
  }
}

/** Two processes on one embedded database lose data: the panel must be stopped first. */
function claimEmbeddedDatabase(env: BerthEnv): () => void {
  if (!fs.existsSync(path.join(env.dataDir, 'pglite'))) {
    throw new RotateCommandError(
      `There is no embedded database in ${env.dataDir}: nothing to rotate. Set BERTH_DATA_DIR (or DATABASE_URL) as the panel has it.`,
    );
  }
  try {
    return lockDataDir(env.dataDir);
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    const pid = fs.readFileSync(path.join(env.dataDir, 'berth.lock'), 'utf8').trim();
    throw new RotateCommandError(
      `Stop the panel first: it is running (pid ${pid}) on ${env.dataDir}, and the embedded database can be opened by one process only. Then run ${COMMAND} again.`,
    );
  }
}

/** The ring as BERTH_MASTER_KEY text (bare v1 keys come out as `v1:`), keeping the versions `keep` accepts. */
function serializeRing(ring: KeyRing, keep: (version: number) => boolean = () => true): string {
  return [...ring.keys]
    .filter(([v]) => keep(v))
    .sort(([a], [b]) => a - b)
    .map(([v, key]) => `v${v}:${key.toString('base64')}`)
    .join(',');
}

/** Replaces the key file whole (temporary file, fsync, rename), mode 0600: never half written. */
function writeKeyFile(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.rmSync(temporary, { force: true });
  const fd = fs.openSync(temporary, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${text}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

async function explainSchemaErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (pgCode(err) === '42P01' || pgCode(err) === '42703') {
      throw new RotateCommandError(
        `The database is older than this version of Berth (${describe(err)}). Start the panel once so it migrates, stop it, and run ${COMMAND} again.`,
      );
    }
    throw err;
  }
}

function pgCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

function describe(err: unknown): string {
  for (let e = err as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (!e.cause) return e.message ?? String(e);
  }
  return String(err);
}

const versions = (list: number[]) => list.map((v) => `v${v}`).join(', ');

function printCounts(print: (line: string) => void, ring: KeyRing, counts: ResealCount[]): void {
  const resealed = counts.reduce((n, c) => n + c.resealed, 0);
  print(
    resealed > 0
      ? `Resealed ${resealed} value${resealed === 1 ? '' : 's'} with key v${ring.current}, in one transaction:`
      : `Nothing to reseal: every value is already sealed with key v${ring.current}.`,
  );
  const width = Math.max(...counts.map((c) => `${c.table}.${c.column}`.length));
  for (const c of counts)
    print(
      `  ${`${c.table}.${c.column}`.padEnd(width)}  ${String(c.resealed).padStart(5)} resealed  ${String(c.alreadyCurrent).padStart(5)} already current`,
    );
}

/** Shell text for the next entry; the operator runs it, so no key is ever printed here. */
const nextKeyHint = (ring: KeyRing) => `",v${ring.current + 1}:$(openssl rand -base64 32)"`;

function printVersions(
  print: (line: string) => void,
  env: BerthEnv,
  ring: KeyRing,
  source: 'env' | 'file',
  stillUsed: KeyVersionUse[],
  removable: number[],
  droppedSome: boolean,
): void {
  for (const use of stillUsed) {
    print(
      `Key v${use.version} is still used by ${use.values} value${use.values === 1 ? '' : 's'}: something sealed them with an older key ring while this ran. Restart the panel with the new key ring and run ${COMMAND} again.`,
    );
  }
  const where = source === 'file' ? path.join(env.dataDir, 'master.key') : 'BERTH_MASTER_KEY';
  if (removable.length > 0) {
    const one = removable.length === 1;
    const how = source === 'file' ? ` (or run ${COMMAND} -- --drop-old)` : ', then restart the panel';
    print(
      `${one ? 'Key' : 'Keys'} ${versions(removable)} ${one ? 'is' : 'are'} no longer used: you can remove ${one ? 'it' : 'them'} from ${where}${how}.`,
    );
  }
  if (removable.length > 0) {
    print('Before removing a key, keep a copy of it with the backups taken before now: only it opens the secrets in them.');
  }
  if (stillUsed.length === 0 && removable.length === 0 && !droppedSome) {
    print(
      `To rotate, add a new key version to ${where} first${source === 'file' ? ` (or run ${COMMAND} -- --new-key)` : `: append ${nextKeyHint(ring)}`}.`,
    );
  }
}
