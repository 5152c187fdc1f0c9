import type { TargetSettings } from '@/lib/model/backup-policy';
import { type Arg, type Command, cmd, env, redirect } from '@/lib/remote/command';
import { SNAPSHOT_ROOT } from '../release/snapshot';

/**
 * restic on the servers (issue 17): client-side encryption with the target's repository key,
 * deduplication, `check --read-data`. S3 and SFTP targets go through restic's rclone backend
 * (restic's own s3 backend cannot talk to every S3-compatible server; rclone can), local targets
 * are a plain path. Secrets never reach argv: the repository password, the rclone config (which
 * holds the S3 secret) and the SFTP key are files uploaded 0600 into a root 0700 directory of
 * the run, removed when the run ends.
 */

const SLUG = /^[a-z][a-z0-9-]{0,39}$/;
const RUN_ID = /^[0-9a-f-]{8,36}$/;

/** Where one run keeps things on the server, all under the app's root-only backup directory. */
export function runPaths(slug: string, runId: string) {
  if (!SLUG.test(slug)) throw new Error(`not an app slug: ${JSON.stringify(slug)}`);
  if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
  const appDir = `${SNAPSHOT_ROOT}/${slug}`;
  const keys = `${appDir}/keys-${runId}`;
  const stage = `${appDir}/backup-${runId}`;
  return {
    root: SNAPSHOT_ROOT,
    appDir,
    /** The run's secrets (0700; files 0600): never inside what is backed up. */
    keys,
    password: `${keys}/repo-key`,
    rcloneConfig: `${keys}/rclone.conf`,
    sshKey: `${keys}/sftp-key`,
    knownHosts: `${keys}/known_hosts`,
    /** What a backup stages and the snapshot holds (absolute paths, as restic records them). */
    stage,
    dump: `${stage}/database.dump`,
    roles: `${stage}/roles.sql`,
    manifest: `${stage}/manifest.json`,
    /** Downloads of a verify, drill or restore (a dump read back from the target). */
    work: `${appDir}/work-${runId}`,
    /** A restore's files, beside the live ones (kept: the operator compares and moves them). */
    restore: `${appDir}/restore-${runId}`,
  };
}
export type RunPaths = ReturnType<typeof runPaths>;

/** The secret files a target needs on the server, with their content (each uploaded 0600). */
export type SecretFile = { path: string; content: string };

const CONFIG_VALUE = /^[^\r\n]*$/;
function configLine(key: string, value: string | number): string {
  const text = String(value);
  // One value per line: a line break in a setting would add settings of its own.
  if (!CONFIG_VALUE.test(text)) throw new Error(`the target's ${key} contains a line break`);
  return `${key} = ${text}`;
}

/**
 * The rclone config for an S3 or SFTP target: one remote named `t`. Pure: the files it points
 * at (SFTP key, pinned host key) are other uploads of the same run. S3 keeps the secret key in
 * this file, so the file itself is a secret.
 */
export function rcloneConfig(settings: TargetSettings, credential: string | null, paths: Pick<RunPaths, 'sshKey' | 'knownHosts'>): string {
  if (settings.kind === 'local') throw new Error('a local target needs no rclone config');
  if (!credential) throw new Error(`the ${settings.kind} target has no credential`);
  const lines =
    settings.kind === 's3'
      ? [
          'type = s3',
          'provider = Other',
          configLine('endpoint', settings.endpoint),
          configLine('access_key_id', settings.accessKeyId),
          configLine('secret_access_key', credential),
          ...(settings.region ? [configLine('region', settings.region)] : []),
        ]
      : [
          'type = sftp',
          configLine('host', settings.host),
          configLine('port', settings.port),
          configLine('user', settings.user),
          configLine('key_file', paths.sshKey),
          configLine('known_hosts_file', paths.knownHosts),
          // A storage box offers SFTP only: no shell commands for hashes or disk usage.
          'shell_type = none',
          'disable_hashcheck = true',
        ];
  return ['[t]', ...lines, ''].join('\n');
}

/** The pinned host key as known_hosts wants it (ssh writes a non-22 port as [host]:port). */
export function knownHostsLine(s: Extract<TargetSettings, { kind: 'sftp' }>): string {
  const host = s.host.replace(/^\[|\]$/g, '');
  return `${s.port === 22 ? host : `[${host}]:${s.port}`} ${s.hostKey}\n`;
}

/** Every secret file a run uploads for this target: the repository password first. */
export function secretFiles(
  settings: TargetSettings,
  secrets: { credential: string | null; repoKey: string },
  paths: RunPaths,
): SecretFile[] {
  const files: SecretFile[] = [{ path: paths.password, content: `${secrets.repoKey}\n` }];
  if (settings.kind === 'local') return files;
  files.push({ path: paths.rcloneConfig, content: rcloneConfig(settings, secrets.credential, paths) });
  if (settings.kind === 'sftp') {
    const key = secrets.credential!;
    files.push(
      { path: paths.sshKey, content: key.endsWith('\n') ? key : `${key}\n` },
      { path: paths.knownHosts, content: knownHostsLine(settings) },
    );
  }
  return files;
}

/** One repository per app (or probe name) per target: `<bucket-or-path>/<name>`. */
export function repoLocation(settings: TargetSettings, name: string): string {
  if (!SLUG.test(name)) throw new Error(`not a repository name: ${JSON.stringify(name)}`);
  if (settings.kind === 's3') return `rclone:t:${settings.bucket}/${name}`;
  if (settings.kind === 'sftp') return `rclone:t:${settings.path.replace(/\/+$/, '')}/${name}`;
  return `${settings.path.replace(/\/+$/, '')}/${name}`;
}

/** How every restic command of a run reaches its repository. */
export type Repo = {
  location: string;
  passwordFile: string;
  rcloneConfig: string | null;
  /** Where the app's repositories live: `t:<bucket-or-path>` for rclone, the directory for a local target. */
  root: string;
  /** The repository's directory under `root` (the app's slug, or the probe's name). */
  name: string;
};

export function repoOf(settings: TargetSettings, name: string, paths: RunPaths): Repo {
  const location = repoLocation(settings, name);
  const rclone = settings.kind !== 'local';
  return {
    location,
    passwordFile: paths.password,
    rcloneConfig: rclone ? paths.rcloneConfig : null,
    root: location.slice(rclone ? 'rclone:'.length : 0, -(name.length + 1)),
    name,
  };
}

/**
 * `restic -r <repo> --password-file <file> --no-cache <args>`, with RCLONE_CONFIG pointing at the
 * run's config. No local cache: a drill or restore must read what is on the target, not a copy
 * of its metadata left on the server by an earlier run (a corrupted tree pack would go unseen),
 * and nothing of the repository stays on the server between runs. rclone underneath keeps its
 * default retries: a target that really refuses (full) fails after restic's own 10 retries with
 * backoff (about 57 s), and fewer rclone retries were measured not to shorten that (55.4 s with
 * rclone's default, 54.4 s with --low-level-retries 3), while they do ride out network blips.
 */
export function restic(repo: Repo, ...args: Arg[]): Command {
  const c = cmd('restic', '-r', repo.location, '--password-file', repo.passwordFile, '--no-cache', ...args);
  return repo.rcloneConfig ? env({ RCLONE_CONFIG: repo.rcloneConfig }, c) : c;
}

/** rclone once, no retries, short timeouts: an answer in seconds whatever the target does. */
const QUICK = ['--low-level-retries', '1', '--retries', '1', '--contimeout', '5s', '--timeout', '15s'];
const rclone = (repo: Repo, ...args: Arg[]): Command => env({ RCLONE_CONFIG: repo.rcloneConfig! }, cmd('rclone', ...args, ...QUICK));

/**
 * Before any restic command: is the target there, does it take the credentials, and does the
 * app's repository exist yet? One listing of `<root>/<name>/config` (prints it when the
 * repository exists; exit 3 when the bucket or path is missing): restic would retry an
 * unreachable target for about a minute before saying so. A local target: `test -f` (1: none).
 */
export const preflightCmd = (repo: Repo): Command =>
  repo.rcloneConfig
    ? rclone(repo, 'lsf', repo.root, '--max-depth', '2', '--files-only', '--include', `/${repo.name}/config`)
    : cmd('test', '-f', `${repo.location}/config`);

export type Preflight = { exists: boolean } | { problem: string };

const REFUSED =
  /SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied|status code: 40[13]|unable to authenticate|handshake failed|permission denied|knownhosts|host key/i;
const UNREACHABLE =
  /connection refused|no such host|i\/o timeout|network is unreachable|no route to host|timeout|dial tcp|connection reset/i;

/** Where a target is, for messages: never its credentials. */
export function targetLabel(settings: TargetSettings): string {
  if (settings.kind === 's3') return `S3 bucket ${settings.bucket} at ${settings.endpoint}`;
  if (settings.kind === 'sftp') return `SFTP ${settings.user}@${settings.host}:${settings.port}, path ${settings.path}`;
  return `local path ${settings.path}`;
}

/** What the preflight's exit code and output say; a problem names what failed, with rclone's own last error. */
export function preflightOutcome(settings: TargetSettings, repo: Repo, r: { code: number; stdout: string; stderr: string }): Preflight {
  if (r.code === 0) return { exists: settings.kind === 'local' || r.stdout.split('\n').includes(`${repo.name}/config`) };
  if (settings.kind === 'local' && r.code === 1) return { exists: false };
  // rclone's last log record (a timestamped line and the lines that continue it), on one line.
  const records = r.stderr.split(/\n(?=\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d )/).filter((t) => t.trim());
  const last =
    records
      .at(-1)
      ?.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (ERROR|NOTICE|CRITICAL)?\s*:?\s*(: )?/, '')
      .replace(/^Failed to lsf with \d+ errors?: last error was: /, '')
      .replace(/\s+/g, ' ')
      .trim() || `rclone exited with code ${r.code}`;
  const where = targetLabel(settings);
  if (REFUSED.test(r.stderr)) return { problem: `The target refused the credentials (${where}): ${last}` };
  if (r.code === 3 || /directory not found|NoSuchBucket/i.test(r.stderr)) {
    const what = settings.kind === 's3' ? 'The bucket does not exist' : 'The path does not exist on the target';
    return { problem: `${what} (${where}): ${last}` };
  }
  if (UNREACHABLE.test(r.stderr)) return { problem: `The target is unreachable (${where}): ${last}` };
  return { problem: `The target could not be listed (${where}): ${last}` };
}

/** The repository's snapshot files, named by their full ids: no restic (no key derivation) needed. */
export const snapshotFilesCmd = (repo: Repo): Command =>
  repo.rcloneConfig ? rclone(repo, 'lsf', `${repo.root}/${repo.name}/snapshots`) : cmd('ls', '-1', `${repo.location}/snapshots`);

/** The full id of the run's snapshot (backup --json gives the short one), from the snapshot files on the target. */
export function fullSnapshotId(listing: string, short: string): string {
  const found = listing
    .split('\n')
    .map((l) => l.trim())
    .filter((id) => /^[0-9a-f]{64}$/.test(id) && id.startsWith(short));
  if (found.length !== 1) throw new Error(`snapshot ${short} is not in the repository`);
  return found[0]!;
}

/** Makes the repository (after a preflight found none). */
export const initCmd = (repo: Repo): Command => restic(repo, 'init');

/** Opens it: a wrong repository key fails here, before anything is dumped. */
export const openRepo = (repo: Repo): Command => redirect(restic(repo, 'cat', 'config'), '/dev/null');

export type BackupTags = { slug: string; runId: string };

/** JSON lines; the last is the summary (snapshot_id, sizes). */
export const backupCmd = (repo: Repo, tags: BackupTags, paths: string[]): Command =>
  restic(repo, 'backup', '--json', '--tag', 'berth', '--tag', `app=${tags.slug}`, '--tag', `run=${tags.runId}`, ...paths);

/**
 * Reads back every pack (what a flipped byte on the target fails), or one seventh of them:
 * `subset` n of 7. A backup's own verify reads the day's seventh (n = day of the week), so the
 * whole repository is read once a week, not every night (it grows with history, and S3 egress
 * is billed); on-demand verify runs read it all.
 */
export const checkCmd = (repo: Repo, subset?: number): Command => {
  if (subset !== undefined && !(Number.isInteger(subset) && subset >= 1 && subset <= 7)) throw new Error(`not a day's subset: ${subset}`);
  return restic(repo, 'check', subset === undefined ? '--read-data' : `--read-data-subset=${subset}/7`);
};

/**
 * One file of a snapshot, written to `to` (root's redirect, in a root-only directory). `noLock`
 * beside a `check` (which holds restic's exclusive lock): a dump only reads one snapshot, and
 * nothing prunes meanwhile (one job at a time per app: the queue key backup:<appId>).
 */
export const dumpCmd = (repo: Repo, snapshot: string, path: string, to: string, opts: { noLock?: boolean } = {}): Command =>
  redirect(restic(repo, ...(opts.noLock ? ['--no-lock'] : []), 'dump', snapshot, path), to);

export const restoreCmd = (repo: Repo, snapshot: string, target: string, includes: string[]): Command =>
  restic(repo, 'restore', snapshot, '--target', target, ...includes.flatMap((p) => ['--include', p]));

export const forgetCmd = (repo: Repo, snapshots: string[]): Command => {
  if (snapshots.length === 0) throw new Error('forget needs at least one snapshot');
  return restic(repo, 'forget', '--prune', ...snapshots);
};

/** restic backup --json: the summary line's figures. */
export type BackupSummary = { snapshotId: string; bytes: number; added: number; files: number };

export function parseBackupSummary(stdout: string): BackupSummary {
  for (const line of stdout.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as Record<string, unknown>;
    if (j.message_type !== 'summary') continue;
    if (typeof j.snapshot_id !== 'string') throw new Error('restic reported no snapshot id');
    return {
      snapshotId: j.snapshot_id,
      bytes: Number(j.total_bytes_processed ?? 0),
      added: Number(j.data_added ?? 0),
      files: Number(j.total_files_processed ?? 0),
    };
  }
  throw new Error('restic backup printed no summary');
}
