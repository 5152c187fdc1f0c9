import { appLayout } from '@/lib/plan/app-layout';
import { and, cmd, ignoreFailure, type Command, type Script } from '@/lib/remote/command';
import { fastcgiRequest } from '@/lib/remote/fastcgi';
import { sectionedScript } from '@/lib/recipes/sections';

/** One reading of a pool's status page, FPM's own figures (counters are cumulative since `startTime`). */
export type FpmStatus = {
  pool: string;
  startTime: number;
  active: number;
  idle: number;
  total: number;
  maxActive: number;
  maxChildrenReached: number;
  slowRequests: number;
  acceptedConn: number;
  /** null on unix sockets: FPM reports 0 there whatever is queued, so 0 would be a lie. */
  listenQueue: number | null;
};

/**
 * Seconds a pool may take to answer. FPM serves its status page from a worker, so a pool with
 * every child busy answers only when one frees up; the cap keeps one saturated pool from holding
 * up the other pools of the same server's script.
 */
export const STATUS_TIMEOUT_S = 3;

/**
 * FastCGI straight to the pool's socket (never through a vhost). `test -S` first, so a pool that is not running (app not configured
 * yet, php-fpm stopped) prints nothing instead of an error; ignoreFailure keeps the script going
 * to the next pool either way.
 */
export function statusCommand(socket: string, statusPath: string): Command {
  const request = fastcgiRequest(socket, { SCRIPT_NAME: statusPath, SCRIPT_FILENAME: statusPath, QUERY_STRING: 'json' }, STATUS_TIMEOUT_S);
  return ignoreFailure(and(cmd('test', '-S', socket), request));
}

/** One script per server: a section per pool, in the order of `slugs`. */
export function statusScript(slugs: string[]): Script {
  return sectionedScript(
    ...slugs.map((slug) => {
      const l = appLayout(slug);
      return statusCommand(l.fpmSocket, l.fpmStatusPath);
    }),
  );
}

const FIELDS = {
  startTime: 'start time',
  active: 'active processes',
  idle: 'idle processes',
  total: 'total processes',
  maxActive: 'max active processes',
  maxChildrenReached: 'max children reached',
  slowRequests: 'slow requests',
  acceptedConn: 'accepted conn',
} as const;

/**
 * The JSON status page as cgi-fcgi prints it (CGI headers, a blank line, the body). Anything
 * else (nothing at all, FPM's "File not found." for a pool without pm.status_path, a cut-off
 * body) is not a reading: null, never a made-up zero.
 */
export function parseFpmStatus(output: string, socket: string): FpmStatus | null {
  const text = output.replace(/\r\n/g, '\n');
  const blank = text.indexOf('\n\n');
  const headers = blank >= 0 ? text.slice(0, blank) : '';
  if (/^Status:\s*[^2]/im.test(headers)) return null;
  const body = (blank >= 0 ? text.slice(blank + 2) : text).trim();
  if (!body.startsWith('{')) return null;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return null;
  }
  const out: Partial<Record<keyof typeof FIELDS, number>> = {};
  for (const [key, field] of Object.entries(FIELDS) as [keyof typeof FIELDS, string][]) {
    const value = json[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return null;
    out[key] = value;
  }
  const queue = json['listen queue'];
  return {
    pool: typeof json.pool === 'string' ? json.pool : '',
    ...(out as Record<keyof typeof FIELDS, number>),
    listenQueue: isUnixSocket(socket) || typeof queue !== 'number' ? null : queue,
  };
}

/** FPM's `listen` is a path for a unix socket, [addr:]port for TCP. */
export function isUnixSocket(listen: string): boolean {
  return listen.startsWith('/');
}
