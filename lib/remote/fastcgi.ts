import { cmd, env, type Arg, type Command } from './command';

/**
 * One FastCGI request straight to a pool's socket, run on the server: `cgi-fcgi` (libfcgi-bin,
 * installed by provisioning) passes its environment as the request's CGI variables and prints
 * the response (CGI headers, a blank line, the body). `timeout` cuts a request that hangs; its
 * exit code 124 says so. The pool status page, the pre-switch gate and OPcache all go through here.
 */
export function fastcgiRequest(socket: string, vars: Record<string, Arg>, timeoutS: number): Command {
  return env({ ...vars, REQUEST_METHOD: 'GET' }, cmd('timeout', String(timeoutS), 'cgi-fcgi', '-bind', '-connect', socket));
}

/** `timeout`'s exit code when it had to cut the command. */
export const TIMED_OUT_EXIT = 124;

export type CgiResponse = { status: number; headers: Record<string, string>; body: string };

/**
 * A CGI response as cgi-fcgi prints it. No `Status:` header means 200 (CGI/1.1). Output with no
 * header block at all (an empty reply: the pool closed the connection) is not a response: null.
 */
export function parseCgiResponse(output: string): CgiResponse | null {
  const text = output.replace(/\r\n/g, '\n');
  const blank = text.indexOf('\n\n');
  if (blank < 0) return null;
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, blank).split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = headers.status ? Number(headers.status.match(/^(\d{3})\b/)?.[1] ?? NaN) : 200;
  if (!Number.isInteger(status)) return null;
  return { status, headers, body: text.slice(blank + 2) };
}
