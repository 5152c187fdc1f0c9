import { cmd, env, ignoreFailure } from '@/lib/remote/command';
import { changed, unchanged, type Task } from '../task';
import type { ProvisionContext } from './context';

// certbot: ACME certificates for apps (lib/recipes/configure/tls-acme.ts); Debian's package brings its renewal cron job and timer.
// restic and rclone: backups (lib/recipes/backup): encrypted, deduplicated snapshots sent through rclone to SFTP or S3.
const BASE = [
  'nginx',
  'supervisor',
  'cron',
  'git',
  'unzip',
  'curl',
  'ca-certificates',
  'composer',
  'libfcgi-bin',
  'certbot',
  'restic',
  'rclone',
];
// The extensions a typical Laravel app expects.
const PHP_EXTENSIONS = ['fpm', 'cli', 'mbstring', 'xml', 'curl', 'zip', 'bcmath', 'intl', 'pgsql', 'mysql', 'sqlite3', 'gd', 'redis'];

export function packagesFor(phpVersions: string[]): string[] {
  return [...BASE, ...phpVersions.flatMap((v) => PHP_EXTENSIONS.map((ext) => `php${v}-${ext}`))];
}

/** Names from `dpkg-query -W` output that are not fully installed. */
export function missingPackages(wanted: string[], dpkgOutput: string): string[] {
  const installed = new Set(
    dpkgOutput
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, status]) => status === 'ii')
      .map(([name]) => name),
  );
  return wanted.filter((p) => !installed.has(p));
}

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };
// Waits for another apt/dpkg run instead of failing on its lock.
const APT_LOCK = ['-o', 'DPkg::Lock::Timeout=600'];

/** Installs only what is missing, without recommends; a provisioned server needs no apt run at all. */
export const installPackages: Task<ProvisionContext> = {
  name: 'install-packages',
  async run(ctx, { transport, log, signal }) {
    const wanted = packagesFor(ctx.server.phpVersions);
    const query = await transport.exec(ignoreFailure(cmd('dpkg-query', '-W', '-f=${Package} ${db:Status-Abbrev}\\n', ...wanted)));
    const missing = missingPackages(wanted, query.stdout);
    if (missing.length === 0) return unchanged(`all ${wanted.length} packages already installed`);
    log(`missing: ${missing.join(' ')}`);
    const stream = { signal, timeoutMs: 20 * 60_000, onLine: (_s: 'stdout' | 'stderr', line: string) => log(line) };
    await transport.exec(env(APT_ENV, cmd('apt-get', ...APT_LOCK, 'update', '-q')), stream);
    await transport.exec(env(APT_ENV, cmd('apt-get', ...APT_LOCK, 'install', '-y', '-q', '--no-install-recommends', ...missing)), stream);
    return changed(`installed ${missing.length}: ${missing.join(' ')}`);
  },
};
