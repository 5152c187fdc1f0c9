/**
 * The errors lib/remote throws. Their messages are written for the operator reading them
 * in the panel; raw transport errors (ssh2's, node's) never get out.
 */
import { redact } from './redact';

const STDERR_TAIL_LINES = 20;

/** The last lines of stderr, with pattern-based redaction (callers add their known secrets first). */
export function stderrTail(stderr: string, lines = STDERR_TAIL_LINES): string {
  const all = stderr.replace(/\s+$/, '').split('\n');
  return redact(all.slice(-lines).join('\n'));
}

export type RemoteFailure = 'exit' | 'signal' | 'timeout' | 'aborted' | 'channel' | 'sftp';

/** A command ran (or tried to) on a server and did not succeed. */
export class RemoteError extends Error {
  override name = 'RemoteError';
  readonly serverName: string;
  /** The rendered command, redacted. */
  readonly command: string;
  readonly exitCode: number | null;
  /** The last ~20 lines of stderr, redacted. */
  readonly stderrTail: string;
  readonly failure: RemoteFailure;

  constructor(
    serverName: string,
    renderedCommandRedacted: string,
    exitCode: number | null,
    stderrTailRedacted: string,
    failure: RemoteFailure = exitCode === null ? 'signal' : 'exit',
    detail = '',
  ) {
    const command = redact(renderedCommandRedacted);
    const tail = redact(stderrTailRedacted);
    const what = {
      exit: `exited with code ${exitCode}`,
      signal: `was killed${detail ? ` by ${detail}` : ''}`,
      timeout: `timed out${detail ? ` after ${detail}` : ''}`,
      aborted: `was cancelled${detail ? ` (${detail})` : ''}`,
      channel: `failed${detail ? `: ${detail}` : ''}`,
      sftp: `failed${detail ? `: ${detail}` : ''}`,
    }[failure];
    super(`On ${serverName}: ${shorten(command)} ${what}${tail ? `\n${tail}` : ''}`);
    this.serverName = serverName;
    this.command = command;
    this.exitCode = exitCode;
    this.stderrTail = tail;
    this.failure = failure;
  }
}

/** Keeps a long script readable in a one-line summary; the full text stays in `.command`. */
function shorten(command: string): string {
  const oneLine = command.replace(/\s*\n\s*/g, '; ');
  return oneLine.length > 300 ? `${oneLine.slice(0, 297)}...` : oneLine;
}

/** The server presented another host key than the one pinned: refused before authenticating. */
export class HostKeyMismatchError extends Error {
  override name = 'HostKeyMismatchError';
  readonly serverName: string;
  readonly expectedFingerprint: string;
  readonly actualFingerprint: string;

  constructor(serverName: string, expectedFingerprint: string, actualFingerprint: string) {
    super(
      `The host identity of ${serverName} changed: pinned ${expectedFingerprint}, ` +
        `the server presented ${actualFingerprint}. Berth refused to log in. If the server was ` +
        'reinstalled or its host keys regenerated, check the new fingerprint on the console and pin it again.',
    );
    this.serverName = serverName;
    this.expectedFingerprint = expectedFingerprint;
    this.actualFingerprint = actualFingerprint;
  }
}

export type ConnectFailure = 'address' | 'dns' | 'refused' | 'unreachable' | 'timeout' | 'auth' | 'bad-key' | 'closed' | 'protocol';

/** Berth could not open a session: unreachable, timed out, rejected, misconfigured. */
export class ConnectError extends Error {
  override name = 'ConnectError';
  readonly serverName: string;
  readonly reason: string;
  readonly failure: ConnectFailure;

  constructor(serverName: string, reason: string, failure: ConnectFailure = 'protocol') {
    super(`Cannot connect to ${serverName}: ${redact(reason)}`);
    this.serverName = serverName;
    this.reason = redact(reason);
    this.failure = failure;
  }
}

/** Host text that is not a DNS name or IP literal, or an address Berth refuses to connect to. */
export class AddressError extends Error {
  override name = 'AddressError';
}
