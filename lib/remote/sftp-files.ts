/**
 * SFTP helpers for transport.ts: a session per operation (it occupies a channel, so it
 * must not outlive its permit), fast writes, and the temporary name beside the target
 * that makes an upload atomic.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path/posix';
import type { SFTPWrapper } from 'ssh2';
import type { Connection } from './connection';
import { openChannel } from './exec-channel';

/** Calls an ssh2 callback-style function as a promise. */
export function call<T = void>(fn: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

/** Opens an SFTP session, runs `fn`, and closes the session (waiting, so the channel is really free). */
export async function withSftp<T>(connection: Connection, fn: (sftp: SFTPWrapper) => Promise<T>, timeoutMs: number): Promise<T> {
  const sftp = await openChannel<SFTPWrapper>(connection, 'an SFTP session', (cb) => connection.client.sftp(cb));
  const closed = new Promise<void>((resolve) => sftp.once('close', () => resolve()));
  // A stalled transfer must not hold the permit forever: ending the session fails its requests.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    sftp.end();
  }, timeoutMs);
  try {
    return await fn(sftp);
  } catch (err) {
    throw timedOut ? new Error(`timed out after ${timeoutMs / 1000} s`) : err;
  } finally {
    clearTimeout(timer);
    sftp.end();
    await closed;
  }
}

/** ".name.berth-<random>.tmp" in the target's own directory: rename() is atomic only within one filesystem. */
export function temporaryPathFor(remotePath: string): string {
  return path.join(path.dirname(remotePath), `.${path.basename(remotePath)}.berth-${randomBytes(6).toString('hex')}.tmp`);
}

// OpenSSH accepts writes up to 255 KiB (limits@openssh.com). 128 KiB x 64 in flight measured
// fastest here (bench/remote.ts); 32 KiB (the ssh2 default) is ~40% slower.
const WRITE_CHUNK = 128 * 1024;
const WRITES_IN_FLIGHT = 64;

/** Writes a buffer with many requests in flight: one at a time crawls at ~2 MB/s. */
export async function writeAll(sftp: SFTPWrapper, handle: Buffer, data: Buffer): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < data.length) {
      const offset = next;
      const length = Math.min(WRITE_CHUNK, data.length - offset);
      next += length;
      await call((cb) => sftp.write(handle, data, offset, length, offset, cb));
    }
  };
  const workers = Math.min(WRITES_IN_FLIGHT, Math.ceil(data.length / WRITE_CHUNK));
  await Promise.all(Array.from({ length: workers }, worker));
}

/** Creates `filePath` (never following an existing file: 'wx'), writes `data`, and sets `mode` past the umask. */
export async function writeNewFile(sftp: SFTPWrapper, filePath: string, data: Buffer, mode: number): Promise<void> {
  const handle = await call<Buffer>((cb) => sftp.open(filePath, 'wx', { mode: 0o600 }, cb));
  try {
    await writeAll(sftp, handle, data);
    await call((cb) => sftp.fchmod(handle, mode, cb));
  } finally {
    await call((cb) => sftp.close(handle, cb)).catch(() => undefined);
  }
}

/** Copies a local file with ssh2's pipelined fastPut (64 requests in flight), then sets the mode. */
export async function putNewFile(sftp: SFTPWrapper, localPath: string, filePath: string, mode: number): Promise<void> {
  await call((cb) => sftp.fastPut(localPath, filePath, { concurrency: WRITES_IN_FLIGHT, chunkSize: WRITE_CHUNK, mode }, cb));
}

/** POSIX rename over the target (posix-rename@openssh.com); plain SFTP rename refuses to replace a file. */
export function renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return call((cb) => sftp.ext_openssh_rename(from, to, cb));
}

/** What an SFTP status code means, in words (the codes are from draft-ietf-secsh-filexfer-02). */
export function sftpProblem(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 2) return 'no such file or directory';
  if (code === 3) return 'permission denied';
  if (code === 4) return 'the operation failed on the server (e.g. the path is a directory, or the disk is full)';
  if (typeof code === 'number') return `SFTP status ${code}`;
  if (code === 'ENOENT') return 'the local file does not exist';
  if (typeof code === 'string') return `a local error (${code})`;
  return (err as Error)?.message?.startsWith('timed out') ? (err as Error).message : 'the SFTP session failed';
}
