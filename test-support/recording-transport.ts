/**
 * A FAKE Transport for unit tests of recipes: it records what would be sent (the exact
 * rendered shell text) and answers with scripted results. It proves which commands a
 * recipe builds, never that they work: that is proved against the real test hosts.
 */
import { render } from '@/lib/remote/command';
import type { Command, Script } from '@/lib/remote/command';
import { RemoteError, stderrTail } from '@/lib/remote/errors';
import { Redactor } from '@/lib/remote/redact';
import { checkUpload } from '@/lib/remote/transport';
import type { ExecOptions, ExecResult, Transport, UploadOptions } from '@/lib/remote/transport';

export type RecordedCall =
  | { kind: 'exec'; command: string; stdin?: string }
  | { kind: 'script'; command: string }
  | { kind: 'upload'; path: string; content: Buffer; mode: number; owner?: string; group?: string }
  | { kind: 'uploadFile'; localPath: string; path: string; mode: number; owner?: string; group?: string }
  | { kind: 'readFile'; path: string };

export interface ScriptedResult {
  code?: number;
  stdout?: string;
  stderr?: string;
}

/** Decides the result of one exec/script from its rendered text. Return nothing for success with no output. */
export type Responder = (rendered: string, call: RecordedCall) => ScriptedResult | undefined;

export class RecordingTransport implements Transport {
  readonly serverName: string;
  readonly calls: RecordedCall[] = [];
  /** Uploaded content by remote path; readFile answers from here. */
  readonly files = new Map<string, Buffer>();
  readonly redactor = new Redactor();
  private readonly respond: Responder;

  constructor(serverName = 'fake-server', respond: Responder = () => undefined) {
    this.serverName = serverName;
    this.respond = respond;
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /** The rendered text of every exec and script, in order. */
  get commands(): string[] {
    return this.calls.flatMap((c) => (c.kind === 'exec' || c.kind === 'script' ? [c.command] : []));
  }

  async exec(command: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    const stdin = opts.stdin === undefined ? undefined : opts.stdin.toString();
    return this.answer({ kind: 'exec', command: render(command), ...(stdin !== undefined ? { stdin } : {}) }, opts);
  }

  async runScript(s: Script, opts: Omit<ExecOptions, 'stdin'> = {}): Promise<ExecResult> {
    return this.answer({ kind: 'script', command: render(s) }, opts);
  }

  async upload(content: string | Buffer, remotePath: string, opts: UploadOptions): Promise<void> {
    checkUpload(remotePath, opts);
    const data = Buffer.from(content);
    this.calls.push({ kind: 'upload', path: remotePath, content: data, ...ownership(opts) });
    this.files.set(remotePath, data);
  }

  async uploadFile(localPath: string, remotePath: string, opts: UploadOptions): Promise<void> {
    checkUpload(remotePath, opts);
    this.calls.push({ kind: 'uploadFile', localPath, path: remotePath, ...ownership(opts) });
  }

  async readFile(remotePath: string): Promise<Buffer> {
    this.calls.push({ kind: 'readFile', path: remotePath });
    const data = this.files.get(remotePath);
    if (!data) throw new RemoteError(this.serverName, `sftp read ${remotePath}`, null, '', 'sftp', 'no such file or directory');
    return data;
  }

  private answer(call: Extract<RecordedCall, { command: string }>, opts: ExecOptions): ExecResult {
    this.calls.push(call);
    const r = this.respond(call.command, call) ?? {};
    const result = { code: r.code ?? 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '', durationMs: 0 };
    for (const stream of ['stdout', 'stderr'] as const) {
      for (const line of result[stream].split('\n').slice(0, result[stream].endsWith('\n') ? -1 : undefined)) {
        if (result[stream] !== '') opts.onLine?.(stream, this.redactor.redact(line));
      }
    }
    if (!(opts.okExitCodes ?? [0]).includes(result.code)) {
      const redactor = this.redactor.with(...(opts.secrets ?? []));
      throw new RemoteError(this.serverName, redactor.redact(call.command), result.code, redactor.redact(stderrTail(result.stderr)));
    }
    return result;
  }
}

function ownership(opts: UploadOptions) {
  return {
    mode: opts.mode,
    ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
    ...(opts.group !== undefined ? { group: opts.group } : {}),
  };
}
