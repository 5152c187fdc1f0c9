/**
 * What recipes use to act on a server, and its SSH implementation. Every call goes
 * through the server's one shared connection (connection.ts) and one of its 8 channels.
 * Exit codes are always checked; failures come back as RemoteError with the command and
 * stderr redacted. Secrets travel only as uploaded content or stdin, never in argv.
 */
import path from 'node:path/posix';
import type { Readable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';
import fs from 'node:fs';
import { UNIX_NAME, and, asUser, cmd, ignoreFailure, redirect, render, renderWithPidReport, renderWithStepReports } from './command';
import type { Command, Script } from './command';
import { getConnection } from './connection';
import type { ConnectOptions, Connection, ServerTarget } from './connection';
import { RemoteError, stderrTail } from './errors';
import { ChannelOpenError, RunInterrupted, StdinFailed, runOnChannel } from './exec-channel';
import type { ChannelRun, StreamName } from './exec-channel';
import { Redactor } from './redact';
import { putNewFile, renameOver, sftpProblem, temporaryPathFor, withSftp, writeNewFile } from './sftp-files';

export type { StreamName };

export interface ExecOptions {
  /**
   * A Readable (e.g. fs.createReadStream of a release archive) streams in as it is read: no
   * upload to a temporary file first, nothing held in memory whole. If it fails to read, the
   * command is killed rather than given a cut-short input. The caller owns (and destroys) it.
   */
  stdin?: string | Buffer | Readable;
  /** Bounds the whole call, waiting for a free channel included. Default 10 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Complete lines as they arrive, already redacted. */
  onLine?: (stream: StreamName, line: string) => void;
  /** Exit codes that count as success. Default [0]. */
  okExitCodes?: number[];
  /** Extra values to hide from the log lines and errors of this call (e.g. what stdin carries). */
  secrets?: string[];
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** A stream passed 64 MiB and the rest was not kept. */
  truncated?: boolean;
}

export interface UploadOptions {
  /** e.g. 0o640. Set explicitly after writing, so the remote umask does not matter. */
  mode: number;
  owner?: string;
  group?: string;
  timeoutMs?: number;
}

export interface Transport {
  readonly serverName: string;
  exec(command: Command, opts?: ExecOptions): Promise<ExecResult>;
  /** Several steps in one round trip: the script goes to `sh -s` over stdin. */
  runScript(script: Script, opts?: Omit<ExecOptions, 'stdin'>): Promise<ExecResult>;
  /** Atomic: written under a temporary name beside the target, mode and owner set, then renamed over it. */
  upload(content: string | Buffer, remotePath: string, opts: UploadOptions): Promise<void>;
  uploadFile(localPath: string, remotePath: string, opts: UploadOptions): Promise<void>;
  readFile(remotePath: string, opts?: { timeoutMs?: number }): Promise<Buffer>;
  /**
   * Hides this transport's secrets (the server's private key, and the app's env values when a
   * job acting for an app made it) from text: what the recipe runner stores goes through it.
   */
  redact(text: string): string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const CLEANUP_TIMEOUT_MS = 10_000;

/** Owned by someone other than root: written as that user (see placeAsOwner). */
const ownedByUser = (opts: UploadOptions) => opts.owner !== undefined && opts.owner !== 'root';

export function checkUpload(remotePath: string, opts: UploadOptions): void {
  if (!path.isAbsolute(remotePath) || remotePath.endsWith('/') || remotePath.includes('\0')) {
    throw new Error(`upload needs an absolute file path, got ${JSON.stringify(remotePath)}`);
  }
  if (!Number.isInteger(opts.mode) || opts.mode < 0 || opts.mode > 0o7777) throw new Error(`not a file mode: ${opts.mode}`);
  for (const name of [opts.owner, opts.group]) {
    if (name !== undefined && !UNIX_NAME.test(name)) throw new Error(`not a valid user or group name: ${JSON.stringify(name)}`);
  }
}

/** The text an error shows for the command; a script names the step that was running. */
type Describe = (step: number | null) => string;

/** The caller's signal combined with a timeout, remembering which of the two fired. */
interface Deadline {
  signal: AbortSignal;
  timeoutMs: number;
  timedOut: () => boolean;
}
function deadline(timeoutMs: number, caller?: AbortSignal): Deadline {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: caller ? AbortSignal.any([caller, timeout]) : timeout, timeoutMs, timedOut: () => timeout.aborted };
}

export class SshTransport implements Transport {
  readonly serverName: string;
  /** Every log line and error of this transport passes through it; the private key is in it from the start. */
  readonly redactor: Redactor;
  private readonly target: ServerTarget;
  private readonly connectOptions: ConnectOptions;

  /** `secrets`: hidden from every log line, error and displayed command of this transport (e.g. the app's env values). */
  constructor(target: ServerTarget, opts: { secrets?: string[]; connect?: ConnectOptions } = {}) {
    this.target = target;
    this.serverName = target.name;
    this.connectOptions = opts.connect ?? {};
    this.redactor = new Redactor([target.privateKey, ...(opts.secrets ?? [])]);
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  exec(command: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.run(() => render(command), renderWithPidReport(command), opts);
  }

  runScript(s: Script, opts: Omit<ExecOptions, 'stdin'> = {}): Promise<ExecResult> {
    // An error names the step that failed, not the whole script.
    const describe = (step: number | null) => {
      const failed = step === null ? undefined : s.steps[step - 1];
      return failed ? `script step ${step}/${s.steps.length}: ${render(failed)}` : `script: ${render(s)}`;
    };
    const stdin = renderWithStepReports(s);
    return this.run(describe, renderWithPidReport(cmd('sh', '-s')), { ...opts, stdin });
  }

  async upload(content: string | Buffer, remotePath: string, opts: UploadOptions): Promise<void> {
    checkUpload(remotePath, opts);
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    if (ownedByUser(opts) && (await this.placeAsOwner(data, remotePath, opts))) return;
    await this.placeFile(remotePath, opts, (sftp, tmp) => writeNewFile(sftp, tmp, data, opts.mode));
  }

  async uploadFile(localPath: string, remotePath: string, opts: UploadOptions): Promise<void> {
    checkUpload(remotePath, opts);
    if (ownedByUser(opts) && (await this.placeAsOwner(await fs.promises.readFile(localPath), remotePath, opts))) return;
    await this.placeFile(remotePath, opts, (sftp, tmp) => putNewFile(sftp, localPath, tmp, opts.mode));
  }

  /**
   * A file owned by an unprivileged user is written BY that user (content on stdin, umask 077,
   * then chmod and rename), never chowned by root: a root `chown`/`chmod` of a path in the
   * user's own directory follows a symlink the user could swap in, handing them any file.
   * Only when the user cannot write the directory (false) is it not theirs, so they cannot swap
   * anything in it either, and the caller falls back to SFTP + chown.
   */
  private async placeAsOwner(data: Buffer, remotePath: string, opts: UploadOptions): Promise<boolean> {
    const tmp = temporaryPathFor(remotePath);
    const mode = opts.mode.toString(8).padStart(4, '0');
    const regroup = opts.group && opts.group !== opts.owner ? [cmd('chgrp', opts.group, tmp)] : [];
    const write = and(
      cmd('umask', '077'),
      redirect(cmd('cat'), tmp),
      cmd('chmod', mode, tmp),
      ...regroup,
      cmd('mv', '-f', '-T', tmp, remotePath),
    );
    try {
      await this.exec(asUser(opts.owner!, write), { stdin: data, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS });
      return true;
    } catch (err) {
      await this.exec(asUser(opts.owner!, ignoreFailure(cmd('rm', '-f', tmp))), { timeoutMs: CLEANUP_TIMEOUT_MS }).catch(() => undefined);
      if (!(err instanceof RemoteError && err.failure === 'exit')) throw err;
      // Only a directory the user cannot write may fall back to root. Where they can (their own
      // shared/, say), a failure is theirs to explain (a directory planted at the target name):
      // root working there could be raced with a symlink swapped in for its temporary file.
      const writable = await this.exec(asUser(opts.owner!, cmd('test', '-w', path.dirname(remotePath))), {
        okExitCodes: [0, 1],
        timeoutMs: CLEANUP_TIMEOUT_MS,
      });
      if (writable.code === 0) throw err;
      return false;
    }
  }

  async readFile(remotePath: string, opts: { timeoutMs?: number } = {}): Promise<Buffer> {
    const read = (sftp: SFTPWrapper) =>
      new Promise<Buffer>((resolve, reject) => sftp.readFile(remotePath, (err, data) => (err ? reject(err) : resolve(data))));
    try {
      return await this.onConnection((c) => c.withChannel(() => withSftp(c, read, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)));
    } catch (err) {
      throw this.sftpError(`read ${remotePath}`, err);
    }
  }

  /** Writes under a temporary name, then chowns (if asked) and renames over the target; the temp file never stays. */
  private async placeFile(
    remotePath: string,
    opts: UploadOptions,
    write: (sftp: SFTPWrapper, tmp: string) => Promise<void>,
  ): Promise<void> {
    const tmp = temporaryPathFor(remotePath);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const owned = opts.owner !== undefined || opts.group !== undefined;
    const removeTmp = (c: Connection) =>
      this.runHeld(c, ignoreFailure(cmd('rm', '-f', tmp)), {}, deadline(CLEANUP_TIMEOUT_MS)).catch(() => undefined);
    await this.onConnection((c) =>
      c.withChannel(async () => {
        try {
          await withSftp(
            c,
            async (sftp) => {
              await write(sftp, tmp);
              if (!owned) await renameOver(sftp, tmp, remotePath);
            },
            timeoutMs,
          );
        } catch (err) {
          await removeTmp(c);
          throw this.sftpError(`upload ${remotePath}`, err);
        }
        if (!owned) return;
        // chown clears set-id bits, so the mode is set again after it.
        const owner = `${opts.owner ?? ''}${opts.group ? `:${opts.group}` : ''}`;
        const mode = opts.mode.toString(8).padStart(4, '0');
        const finish = and(cmd('chown', owner, tmp), cmd('chmod', mode, tmp), cmd('mv', '-f', '-T', tmp, remotePath));
        try {
          await this.runHeld(c, finish, {}, deadline(timeoutMs));
        } catch (err) {
          await removeTmp(c);
          throw err;
        }
      }),
    );
  }

  private sftpError(what: string, err: unknown): Error {
    if (err instanceof RemoteError || !(err instanceof Error)) return err as Error;
    const detail = err instanceof ChannelOpenError ? err.message : sftpProblem(err);
    return new RemoteError(this.serverName, this.redactor.redact(`sftp ${what}`), null, '', 'sftp', detail);
  }

  /** Runs `fn` on the live connection; if that one turns out to be gone before anything ran, once more on a new one. */
  private async onConnection<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
    const first = await getConnection(this.target, this.connectOptions);
    try {
      return await fn(first);
    } catch (err) {
      if (!(err instanceof ChannelOpenError && err.stale)) throw err;
      first.discard(); // its close event may not have arrived yet
      return fn(await getConnection(this.target, this.connectOptions));
    }
  }

  private async run(describe: Describe, text: string, opts: ExecOptions): Promise<ExecResult> {
    const limit = deadline(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.signal);
    try {
      return await this.onConnection((c) => c.withChannel(() => this.runHeld(c, text, opts, limit, describe), limit.signal));
    } catch (err) {
      // Cancelled while waiting for a channel: nothing ran.
      const display = () => this.redactor.with(...(opts.secrets ?? [])).redact(describe(null));
      if (limit.signal.aborted && err === limit.signal.reason) {
        throw this.interrupted(display(), limit, '', 'while waiting for a free channel; it never ran');
      }
      if (err instanceof ChannelOpenError) throw new RemoteError(this.serverName, display(), null, '', 'channel', err.message);
      throw err;
    }
  }

  /** Runs on a channel whose permit the caller already holds. */
  private async runHeld(
    c: Connection,
    command: Command | string,
    opts: ExecOptions,
    limit: Deadline,
    describe?: Describe,
  ): Promise<ExecResult> {
    const text = typeof command === 'string' ? command : renderWithPidReport(command);
    const redactor = this.redactor.with(...(opts.secrets ?? []));
    const displayOf = (step: number | null) => redactor.redact(describe ? describe(step) : render(command as Command));
    const tailOf = (stderr: string) => redactor.redact(stderrTail(redactor.redact(stderr)));
    const onLine = opts.onLine && ((stream: StreamName, line: string) => opts.onLine!(stream, redactor.redact(line)));
    const started = performance.now();
    let run: ChannelRun;
    try {
      run = await runOnChannel(c, text, { stdin: opts.stdin, signal: limit.signal, onLine });
    } catch (err) {
      if (err instanceof RunInterrupted) {
        throw this.interrupted(displayOf(err.output.step), limit, tailOf(err.output.stderr), 'its processes were killed');
      }
      if (err instanceof StdinFailed) {
        throw new RemoteError(
          this.serverName,
          displayOf(err.output.step),
          null,
          tailOf(err.output.stderr),
          'channel',
          redactor.redact(err.message),
        );
      }
      if (err instanceof ChannelOpenError && !err.stale) {
        throw new RemoteError(this.serverName, displayOf(null), null, '', 'channel', err.message);
      }
      throw err;
    }
    const display = displayOf(run.step);
    if (run.code === null) {
      const detail = run.signal ? `signal ${run.signal}` : 'the connection was lost before the command finished';
      throw new RemoteError(this.serverName, display, null, tailOf(run.stderr), run.signal ? 'signal' : 'channel', detail);
    }
    if (!(opts.okExitCodes ?? [0]).includes(run.code)) {
      throw new RemoteError(this.serverName, display, run.code, tailOf(run.stderr));
    }
    const durationMs = performance.now() - started;
    return { code: run.code, stdout: run.stdout, stderr: run.stderr, durationMs, ...(run.truncated ? { truncated: true } : {}) };
  }

  private interrupted(display: string, limit: Deadline, tail: string, what: string): RemoteError {
    if (limit.timedOut()) {
      return new RemoteError(this.serverName, display, null, tail, 'timeout', `${limit.timeoutMs / 1000} s (${what})`);
    }
    return new RemoteError(this.serverName, display, null, tail, 'aborted', what);
  }
}
