/**
 * Test support (not used by the panel): real backup targets on this machine for issue 17.
 * - S3: s3rver (npm; scripts/testbed/s3rver.cjs) on 127.0.0.1, one bucket, keys S3RVER/S3RVER.
 * - SFTP: a dedicated sshd (own config, host key, pid file) on 127.0.0.1 with a chrooted user
 *   limited to internal-sftp: what a storage box offers.
 * The test hosts share this machine's network namespace, so both answer on 127.0.0.1 from a
 * host too. `sizeLimitMb` puts the stored data on a small tmpfs, so the target fills up
 * mid-upload. stop() ends only the processes it started and removes only what it made.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { SaveTarget } from '@/lib/backups/targets';

/** Everything targets keep on this machine: outside the repo, shared with nothing else. */
const TARGETS_DIR = '/var/lib/berth-backup-targets';
/** The unix user of every SFTP target (each sshd chroots it into its own directory). */
export const SFTP_USER = 'berthsftp';

/** This machine exports AWS_CA_BUNDLE, which breaks rclone 1.60 against a local endpoint. */
export function localEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.AWS_CA_BUNDLE;
  return env;
}

export type S3Target = {
  endpoint: string;
  bucket: string;
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  /** s3rver's data directory: objects are files `<dir>/<bucket>/<key>._S3rver_object`. */
  dir: string;
  port: number;
  stop(): Promise<void>;
};

export type SftpTarget = {
  host: '127.0.0.1';
  port: number;
  user: string;
  /** Where repositories go, relative to the chroot (the login starts at its root). */
  path: 'data';
  /** The client's private key (OpenSSH PEM), authorised for `user`. */
  privateKey: string;
  /** The target's host key as known_hosts has it: 'ssh-ed25519 AAAA…'. */
  hostKeyLine: string;
  /** The writable data directory as seen from this machine (chroot/data). */
  dir: string;
  stop(): Promise<void>;
};

/**
 * `port` is the first port tried (the first free one from there is taken): each integration file
 * passes a base of its own, so two vitest workers on two beds never race for one port, and each
 * target's directory (named by its port) is its own.
 */
export async function startS3Target(opts: { port?: number; sizeLimitMb?: number; bucket?: string } = {}): Promise<S3Target> {
  const port = await freePort(opts.port ?? 4611);
  const bucket = opts.bucket ?? 'berth-backups';
  const base = freshDir(`s3-${port}`);
  const dir = path.join(base, 'data');
  fs.mkdirSync(dir);
  const mounted = opts.sizeLimitMb ? mountTmpfs(dir, opts.sizeLimitMb, 'mode=0700') : false;
  const log = fs.openSync(path.join(base, 's3rver.log'), 'a');
  // s3rver with its write path repaired, so a full disk answers 500 rather than crashing it.
  const child = spawn(process.execPath, [path.join(process.cwd(), 'scripts/testbed/s3rver.cjs'), dir, String(port), bucket], {
    cwd: process.cwd(),
    env: localEnv(),
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const stop = async () => {
    await endChild(child);
    cleanUp(base, mounted ? [dir] : []);
  };
  try {
    await waitForPort(port, child, path.join(base, 's3rver.log'));
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint: `http://127.0.0.1:${port}`, bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', dir, port, stop };
}

export async function startSftpTarget(opts: { port?: number; sizeLimitMb?: number } = {}): Promise<SftpTarget> {
  const port = await freePort(opts.port ?? 2211);
  ensureSftpUser();
  const ids = { uid: Number(run('id', ['-u', SFTP_USER])), gid: Number(run('id', ['-g', SFTP_USER])) };
  const base = freshDir(`sftp-${port}`);
  // sshd refuses a chroot that is not root-owned all the way up: base and chroot are root 0755.
  const chroot = path.join(base, 'chroot');
  const dir = path.join(chroot, 'data');
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const mounted = opts.sizeLimitMb ? mountTmpfs(dir, opts.sizeLimitMb, `mode=0700,uid=${ids.uid},gid=${ids.gid}`) : false;
  fs.chownSync(dir, ids.uid, ids.gid);
  fs.chmodSync(dir, 0o700);
  const hostKey = path.join(base, 'host_ed25519');
  const clientKey = path.join(base, 'client_ed25519');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `berth-sftp-target-${port}`, '-f', hostKey]);
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-backups', '-f', clientKey]);
  const authorized = path.join(base, 'authorized_keys');
  fs.writeFileSync(authorized, fs.readFileSync(`${clientKey}.pub`), { mode: 0o644 });
  const pidFile = path.join(base, 'sshd.pid');
  const config = path.join(base, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${authorized}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin no',
      `AllowUsers ${SFTP_USER}`,
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'MaxStartups 50',
      'Subsystem sftp internal-sftp',
      `ChrootDirectory ${chroot}`,
      'ForceCommand internal-sftp',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  // An absolute config path: sshd re-executes itself with it (a relative one dies on SIGHUP).
  run('/usr/sbin/sshd', ['-f', config, '-E', path.join(base, 'sshd.log')]);
  const listener = await readPid(pidFile);
  const stop = async () => {
    await endTree(listener);
    cleanUp(base, mounted ? [dir] : []);
  };
  try {
    await waitForPort(port, null, path.join(base, 'sshd.log'));
  } catch (e) {
    await stop();
    throw e;
  }
  const [keyType, keyData] = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  return {
    host: '127.0.0.1',
    port,
    user: SFTP_USER,
    path: 'data',
    privateKey: fs.readFileSync(clientKey, 'utf8'),
    hostKeyLine: `${keyType} ${keyData}`,
    dir,
    stop,
  };
}

/** What an operator types into Settings → Backup targets for this target (for saveTarget). */
export function s3SaveTarget(name: string, t: S3Target): SaveTarget {
  return {
    name,
    settings: { kind: 's3', endpoint: t.endpoint, region: '', bucket: t.bucket, accessKeyId: t.accessKeyId },
    credential: t.secretAccessKey,
  };
}

export function sftpSaveTarget(name: string, t: SftpTarget): SaveTarget {
  return {
    name,
    settings: { kind: 'sftp', host: t.host, port: t.port, user: t.user, path: t.path, hostKey: t.hostKeyLine },
    credential: t.privateKey,
  };
}

/**
 * Corrupts a stored copy: one byte in the middle of the biggest file under `dir` (a restic data
 * pack, stored as `…._S3rver_object` by s3rver or as a plain file over SFTP), inverted in place.
 */
export function flipByteIn(dir: string): { file: string; offset: number } {
  let biggest: { file: string; size: number } | null = null;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('._S3rver_metadata.json')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const size = fs.statSync(file).size;
    if (!biggest || size > biggest.size) biggest = { file, size };
  }
  if (!biggest || biggest.size === 0) throw new Error(`flipByteIn: no stored object under ${dir}`);
  const offset = Math.floor(biggest.size / 2);
  const fd = fs.openSync(biggest.file, 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ 0xff;
    fs.writeSync(fd, b, 0, 1, offset);
  } finally {
    fs.closeSync(fd);
  }
  return { file: biggest.file, offset };
}

// --- plumbing ---

function run(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A unix user with no password and no shell: it can only log in by key, and only to internal-sftp. */
function ensureSftpUser(): void {
  try {
    run('id', [SFTP_USER]);
    return;
  } catch {}
  try {
    run('useradd', ['--system', '--no-create-home', '--home-dir', '/', '--shell', '/usr/sbin/nologin', SFTP_USER]);
  } catch (e) {
    // Another worker may have created it at the same moment.
    if (!userExists()) throw e;
  }
  // '*' (not '!'): sshd without PAM treats a '!' password as a locked account and refuses keys too.
  run('usermod', ['-p', '*', SFTP_USER]);
}

function userExists(): boolean {
  try {
    run('id', [SFTP_USER]);
    return true;
  } catch {
    return false;
  }
}

/**
 * A directory of this process's own (`<name>-<pid>`), so a target started by another worker at
 * the same moment can never share or remove it; directories left by processes that died before
 * stop() (with their tmpfs mounts) are cleared first.
 */
function freshDir(name: string): string {
  fs.mkdirSync(TARGETS_DIR, { recursive: true, mode: 0o755 });
  fs.chmodSync(TARGETS_DIR, 0o755);
  for (const entry of fs.readdirSync(TARGETS_DIR)) {
    const owner = /-(\d+)$/.exec(entry)?.[1];
    const stale = path.join(TARGETS_DIR, entry);
    if (owner && !alive(Number(owner))) cleanUp(stale, mountsUnder(stale));
  }
  const base = path.join(TARGETS_DIR, `${name}-${process.pid}`);
  if (fs.existsSync(base)) cleanUp(base, mountsUnder(base));
  fs.mkdirSync(base, { mode: 0o755 });
  fs.chmodSync(base, 0o755);
  return base;
}

function mountTmpfs(dir: string, sizeMb: number, options: string): true {
  run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,${options}`, 'tmpfs', dir]);
  return true;
}

/** Mount points under `dir` left by an earlier run that died before stop(). */
function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

function cleanUp(base: string, mounts: string[]): void {
  for (const m of mounts) {
    try {
      run('umount', [m]);
    } catch {
      run('umount', ['-l', m]);
    }
  }
  fs.rmSync(base, { recursive: true, force: true });
}

async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 100; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}–${from + 99}`);
}

async function waitForPort(port: number, child: ChildProcess | null, log: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) break;
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : '';
  throw new Error(`target on 127.0.0.1:${port} did not start listening\n${tail}`);
}

async function readPid(file: string): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    if (/^\d+$/.test(text)) return Number(text);
    await sleep(50);
  }
  throw new Error(`sshd wrote no pid to ${file}`);
}

async function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(3000).then(() => child.kill('SIGKILL'))]);
  await exited;
}

/** The sshd listener and the session processes it forked (still running if a client hung on). */
async function endTree(pid: number): Promise<void> {
  const tree = [pid, ...descendants(pid)];
  for (const p of tree.reverse()) signal(p, 'SIGTERM');
  for (let i = 0; i < 30 && tree.some(alive); i++) await sleep(100);
  for (const p of tree) if (alive(p)) signal(p, 'SIGKILL');
}

function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = run('pgrep', ['-P', String(pid)])
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {}
  return children.flatMap((c) => [c, ...descendants(c)]);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {}
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
