import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TargetSecrets } from '@/lib/backups/targets';
import type { TargetSettings } from '@/lib/model/backup-policy';
import { runLocal } from '@/lib/remote/local-process';

/**
 * restic on the PANEL machine (the panel's own backup, issue 17 item 7), with the same target
 * model and transport as the servers' backups: a plain path for local targets, restic's rclone
 * backend for S3 and SFTP (restic's own s3 backend does not work with s3rver: design notes).
 * Secrets live only in 0600 files of a 0700 temporary directory, removed by close(); argv holds
 * their paths, never their contents.
 */

/** The panel's repository on a target, beside the apps' ones. App slugs start with a letter, so it never clashes. */
export const PANEL_REPOSITORY = '_berth-panel';

const TIMEOUT_MS = 60 * 60_000;

export type ResticSession = {
  /** What `-r` gets: a path, or `rclone:t:<bucket or path>/_berth-panel`. */
  repository: string;
  /** Runs restic with the repository and password file; returns stdout. */
  run(args: string[], opts?: { cwd?: string; timeoutMs?: number }): Promise<string>;
  /** Creates the repository when the target has none yet (first backup). */
  initIfAbsent(): Promise<boolean>;
  close(): void;
};

export function openResticSession(settings: TargetSettings, secrets: TargetSecrets, repositoryName = PANEL_REPOSITORY): ResticSession {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-restic-'));
  fs.chmodSync(dir, 0o700);
  try {
    const secret = (name: string, content: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
      return file;
    };
    const passwordFile = secret('password', secrets.repoKey);
    const env = resticEnv();
    let repository: string;
    if (settings.kind === 'local') {
      repository = path.posix.join(settings.path, repositoryName);
    } else {
      if (!secrets.credential) throw new Error(`The ${settings.kind} target has no credential`);
      env.RCLONE_CONFIG = secret('rclone.conf', rcloneConfig(settings, secrets.credential, secret));
      const base = settings.kind === 's3' ? settings.bucket : settings.path;
      repository = `rclone:t:${base.replace(/\/+$/, '')}/${repositoryName}`;
    }
    const run = (args: string[], opts: { cwd?: string; timeoutMs?: number } = {}) =>
      runLocal('restic', ['-r', repository, '--password-file', passwordFile, '--no-cache', ...args], {
        env,
        cwd: opts.cwd,
        timeoutMs: opts.timeoutMs ?? TIMEOUT_MS,
      });
    return {
      repository,
      run,
      async initIfAbsent() {
        try {
          await run(['cat', 'config'], { timeoutMs: 5 * 60_000 });
          return false;
        } catch (err) {
          if (!/Is there a repository at the following location|does not exist/i.test(errorText(err))) throw resticError(err);
        }
        await run(['init']).catch((err) => {
          throw resticError(err);
        });
        return true;
      },
      close: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The panel's environment without what would change restic's or rclone's behaviour: this machine
 * kind exports AWS_CA_BUNDLE, which makes rclone 1.60 fail (STACK-NOTES), and a RESTIC_* or
 * RCLONE_* variable set for something else must not pick another repository or password.
 */
function resticEnv(): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'AWS_CA_BUNDLE' || k.startsWith('RESTIC_') || k.startsWith('RCLONE_') || k.startsWith('AWS_')) continue;
    env[k] = v;
  }
  return env as NodeJS.ProcessEnv;
}

/** One remote named `t`; the SFTP key and pinned host key go to their own 0600 files. */
function rcloneConfig(
  settings: Exclude<TargetSettings, { kind: 'local' }>,
  credential: string,
  secret: (name: string, content: string) => string,
): string {
  const lines = ['[t]'];
  if (settings.kind === 's3') {
    lines.push('type = s3', 'provider = Other', `endpoint = ${settings.endpoint}`, 'force_path_style = true');
    lines.push(`access_key_id = ${settings.accessKeyId}`, `secret_access_key = ${credential}`);
    if (settings.region) lines.push(`region = ${settings.region}`);
  } else {
    const hostPattern = settings.port === 22 ? settings.host : `[${settings.host}]:${settings.port}`;
    lines.push('type = sftp', `host = ${settings.host}`, `port = ${settings.port}`, `user = ${settings.user}`);
    lines.push(`key_file = ${secret('sftp.key', credential.endsWith('\n') ? credential : `${credential}\n`)}`);
    lines.push(`known_hosts_file = ${secret('known_hosts', `${hostPattern} ${settings.hostKey}\n`)}`);
    // A chrooted SFTP-only login has no shell for rclone's hash commands.
    lines.push('shell_type = none');
  }
  return `${lines.join('\n')}\n`;
}

export function errorText(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return `${e.stderr ?? ''}\n${e.message ?? String(err)}`;
}

/** restic's own last "Fatal:" line says what went wrong; the rest of stderr is noise for a person. */
export function resticError(err: unknown): Error {
  const text = errorText(err);
  const fatal = text
    .split('\n')
    .filter((l) => /^Fatal:|error/i.test(l))
    .slice(-2)
    .join(' / ');
  return new Error(`restic: ${(fatal || text.trim().split('\n').slice(-1)[0] || 'failed').trim()}`, { cause: err });
}
