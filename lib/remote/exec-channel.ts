/**
 * One exec channel: send the command, stream its output, collect the exit status, and
 * on timeout or abort kill the remote process group (not only the shell, which would
 * leave its children running). The caller holds a channel permit for the whole run,
 * the kill included, so the 8-channel bound holds even while cleaning up.
 */
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { PID_REPORT_PREFIX, STEP_REPORT_PREFIX, killProcessGroup, render } from './command';
import { traceCommand } from './command-trace';
import type { Connection } from './connection';

export type StreamName = 'stdout' | 'stderr';

export interface ChannelRunOptions {
  /** A Readable is piped in as it is read (a release archive), so it is never held in memory whole. */
  stdin?: string | Buffer | Readable;
  signal?: AbortSignal;
  onLine?: (stream: StreamName, line: string) => void;
  maxOutputBytes?: number;
}

export interface ChannelOutput {
  stdout: string;
  stderr: string;
  truncated: boolean;
  /** The last script step that started (scripts rendered with step reports), else null. */
  step: number | null;
}

export interface ChannelRun extends ChannelOutput {
  code: number | null;
  signal: string | null;
}

/** The channel never opened: nothing ran. `stale` means the connection was gone, so a retry on a new one is safe. */
export class ChannelOpenError extends Error {
  override name = 'ChannelOpenError';
  readonly stale: boolean;
  constructor(message: string, stale: boolean) {
    super(message);
    this.stale = stale;
  }
}

/** What was to go to stdin could not be read: the remote command was killed, so it never saw a cut-short input as complete. */
export class StdinFailed extends Error {
  override name = 'StdinFailed';
  readonly output: ChannelOutput;
  constructor(cause: Error, output: ChannelOutput) {
    super(`could not read what goes to stdin: ${cause.message}`);
    this.output = output;
  }
}

/** The run was stopped by its signal (timeout or abort) and its process group killed. */
export class RunInterrupted extends Error {
  override name = 'RunInterrupted';
  readonly reason: unknown;
  readonly output: ChannelOutput;
  constructor(reason: unknown, output: ChannelOutput) {
    super('interrupted');
    this.reason = reason;
    this.output = output;
  }
}

const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
// The lines our wrappers write to stderr for us; nobody else sees them.
const MARKER_LINE = new RegExp(`^(${PID_REPORT_PREFIX}|${STEP_REPORT_PREFIX})(\\d+)$`);
const MARKER_LINES = new RegExp(`^(?:${PID_REPORT_PREFIX}|${STEP_REPORT_PREFIX})\\d+\\n`, 'gm');
const CLOSE_WAIT_MS = 2000;
const KILL_WAIT_MS = 5000;

/** Splits a byte stream into UTF-8 lines as they complete (a character split across chunks stays whole). */
class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly emit: (line: string) => void;
  constructor(emit: (line: string) => void) {
    this.emit = emit;
  }
  push(chunk: Buffer): void {
    const lines = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.emit(line.replace(/\r$/, ''));
  }
  flush(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest) this.emit(rest);
  }
}

/** Collects both streams, reads our markers (pid, script step) on stderr and hides them from everyone else. */
class Output {
  pid: number | null = null;
  step: number | null = null;
  private onPid?: () => void;
  private readonly chunks: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly bytes: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private truncated = false;
  private readonly stdoutLines: LineSplitter | null;
  private readonly stderrLines: LineSplitter;
  private readonly max: number;

  constructor(onLine: ChannelRunOptions['onLine'], max: number) {
    this.max = max;
    this.stdoutLines = onLine ? new LineSplitter((line) => onLine('stdout', line)) : null;
    this.stderrLines = new LineSplitter((line) => {
      const marker = MARKER_LINE.exec(line);
      if (!marker) return onLine?.('stderr', line);
      if (marker[1] === PID_REPORT_PREFIX) {
        this.pid ??= Number(marker[2]);
        this.onPid?.();
      } else this.step = Number(marker[2]);
    });
  }

  /** Resolves once the shell has reported its pid (its first act), or after `ms`. */
  pidWithin(ms: number): Promise<void> {
    if (this.pid !== null) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    return new Promise<void>((resolve) => {
      this.onPid = resolve;
      timer = setTimeout(resolve, ms);
    }).finally(() => clearTimeout(timer));
  }

  add(stream: StreamName, chunk: Buffer): void {
    if (this.bytes[stream] + chunk.length <= this.max) this.chunks[stream].push(chunk);
    else this.truncated = true;
    this.bytes[stream] += chunk.length;
    if (stream === 'stdout') this.stdoutLines?.push(chunk);
    else this.stderrLines.push(chunk);
  }

  finish(): ChannelOutput {
    this.stdoutLines?.flush();
    this.stderrLines.flush();
    const stderr = Buffer.concat(this.chunks.stderr).toString('utf8');
    return {
      stdout: Buffer.concat(this.chunks.stdout).toString('utf8'),
      stderr: stderr.replace(MARKER_LINES, ''),
      truncated: this.truncated,
      step: this.step,
    };
  }
}

/** Resolves when the channel has closed (at once if it already has), or after `ms`. */
function closedWithin(closed: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

/**
 * Opens a channel, retrying briefly when the server refuses it. OpenSSH frees a session
 * slot only once the session's process has been reaped, which can lag behind the close we
 * saw (SFTP especially), so a new channel may briefly find all 10 slots taken. A refused
 * open ran nothing, so retrying is safe. A connection that is gone is not retried here:
 * the error is marked stale and the transport retries once on a new connection.
 */
const OPEN_RETRY_DELAYS_MS = [5, 10, 20, 40, 80, 160, 320];
export async function openChannel<T>(
  connection: Connection,
  what: string,
  open: (cb: (err: Error | undefined, channel: T) => void) => void,
  onOpen?: (channel: T) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<T>((resolve, reject) => {
        try {
          open((err, channel) => {
            if (err) return reject(err);
            onOpen?.(channel);
            resolve(channel);
          });
        } catch (err) {
          reject(err as Error);
        }
      });
    } catch (err) {
      const gone = !connection.isOpen || /not connected|no response from server/i.test((err as Error).message);
      if (gone) throw new ChannelOpenError('the connection was closed', true);
      const delay = OPEN_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw new ChannelOpenError(`the server refused to open ${what}`, false);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** An exec channel with its exit status and close already being watched. */
interface OpenExec {
  channel: ClientChannel;
  exit: { code: number | null; signal: string | null };
  closed: Promise<void>;
}

/**
 * The listeners go on inside ssh2's callback: a fast command's exit status and close can
 * arrive in the same TCP segment as the exec confirmation, and ssh2 emits them in the
 * same tick; a listener added after an await would miss them.
 */
export async function openExec(connection: Connection, text: string): Promise<OpenExec> {
  let watched: OpenExec | undefined;
  // The one place a command line goes on the wire: BERTH_COMMAND_TRACE records it here.
  traceCommand(connection.target.name, text);
  await openChannel<ClientChannel>(
    connection,
    'a channel',
    (cb) => connection.client.exec(text, cb),
    (channel) => {
      const exit: OpenExec['exit'] = { code: null, signal: null };
      channel.on('exit', (code: number | null, signal?: string) => {
        exit.code = code;
        exit.signal = signal ?? null;
      });
      watched = { channel, exit, closed: new Promise<void>((resolve) => channel.once('close', () => resolve())) };
    },
  );
  return watched!;
}

/**
 * Kills what is left of an interrupted run. sshd keeps a channel open while any process
 * holds its pipes, so the process group is killed first (over one of the connection's
 * spare kill channels), and only then is the channel closed.
 */
async function killRemote(connection: Connection, run: OpenExec, pid: number | null) {
  if (pid !== null && connection.isOpen) {
    const release = await connection.killChannels.acquire();
    try {
      const killer = await openExec(connection, render(killProcessGroup(pid)));
      killer.channel.resume();
      killer.channel.stderr.resume();
      killer.channel.end();
      await closedWithin(killer.closed, KILL_WAIT_MS);
    } catch {
      // The connection went away meanwhile; closing the channel below is all that is left.
    } finally {
      release();
    }
  } else {
    run.channel.signal('KILL'); // best effort: the shell has not reported its pid yet
  }
  run.channel.close();
  await closedWithin(run.closed, CLOSE_WAIT_MS);
}

/** Runs `text` (already rendered with a pid report) on an open connection. */
export async function runOnChannel(connection: Connection, text: string, o: ChannelRunOptions): Promise<ChannelRun> {
  const output = new Output(o.onLine, o.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);
  if (o.signal?.aborted) throw new RunInterrupted(o.signal.reason, output.finish());
  const run = await openExec(connection, text);
  const { channel } = run;
  channel.on('data', (chunk: Buffer) => output.add('stdout', chunk));
  channel.stderr.on('data', (chunk: Buffer) => output.add('stderr', chunk));

  // Whichever comes first: the command ends, the signal fires or stdin cannot be read (then kill, and report).
  let killing: Promise<void> | undefined;
  let stdinError: Error | undefined;
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = () => {
      killing ??= killRemote(connection, run, output.pid);
      resolve();
    };
  });
  // Always end stdin: a command that reads it would otherwise wait forever.
  const source = o.stdin instanceof Readable ? o.stdin : undefined;
  if (source) {
    source.on('error', (err) => {
      if (stdinError) return;
      stdinError = err;
      // Ending stdin now would hand the command a cut-short input as if it were whole, and so
      // would closing the channel before the pid is known (sshd then closes the command's stdin
      // without killing it): stdin stays open, the command waits, until its group is killed.
      void output.pidWithin(KILL_WAIT_MS).then(() => onAbort());
    });
    source.pipe(channel);
  } else if (o.stdin !== undefined) channel.end(o.stdin);
  else channel.end();
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener('abort', onAbort, { once: true });
  await Promise.race([run.closed, aborted]);
  o.signal?.removeEventListener('abort', onAbort);
  onAbort = () => {}; // a late stdin error must not kill a process group whose pid may be reused by now
  // The command may end before reading all of stdin (tar on a full disk): the rest is not read.
  if (source) {
    source.unpipe(channel);
    source.destroy();
  }
  if (killing) {
    await killing;
    if (stdinError) throw new StdinFailed(stdinError, output.finish());
    throw new RunInterrupted(o.signal!.reason, output.finish());
  }
  return { code: run.exit.code, signal: run.exit.signal, ...output.finish() };
}
