/**
 * BERTH_COMMAND_TRACE: every command line Berth sends to a server, exactly as it goes on the
 * wire (the SSH exec request), appended to a file with the server's name. Stdin and uploaded
 * content are never written: the trace exists to show that secrets never travel in a command
 * line (ARCHITECTURE rule 2), and the canary test reads it for that.
 */
import fs from 'node:fs';
import { readEnv } from '@/lib/config/env';

// On globalThis: Next may load lib/remote more than once (instrumentation and routes).
const slot = globalThis as typeof globalThis & { __berthCommandTrace?: { file: string | null; warned: boolean } };

function state() {
  if (!slot.__berthCommandTrace) {
    let file: string | null = null;
    try {
      file = readEnv().commandTrace ?? null;
    } catch {
      // An invalid configuration stops the panel at boot; here it only means "no trace".
    }
    slot.__berthCommandTrace = { file, warned: false };
  }
  return slot.__berthCommandTrace;
}

/** One line per command: `<server>\t<command as a JSON string>` (JSON keeps a multi-line command on one line). */
export function traceCommand(serverName: string, text: string): void {
  const s = state();
  if (!s.file) return;
  try {
    fs.appendFileSync(s.file, `${serverName}\t${JSON.stringify(text)}\n`, { mode: 0o600 });
  } catch (err) {
    if (!s.warned) console.warn(`berth: cannot write the command trace ${s.file}: ${(err as Error).message}`);
    s.warned = true;
  }
}

/** Tests: trace to `file` (null: off) from now on, whatever the environment says. */
export function setCommandTraceFile(file: string | null): void {
  slot.__berthCommandTrace = { file, warned: false };
}
