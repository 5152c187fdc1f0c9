import path from 'node:path';
import { and, asUser, cmd, or, type Command } from '@/lib/remote/command';

/**
 * How the vhost would serve the health path, decided on the server in one round trip
 * (renderVhost: `try_files $uri $uri/ /index.php?$query_string`, `index index.php index.html`,
 * and `location ~ \.php$` straight to the pool).
 */
export type Resolution = 'file' | 'dir-php' | 'dir-html' | 'front';

export type HealthUri = { uriPath: string; query: string; requestUri: string };

/** The health path as nginx sees it: decoded, dot segments resolved (no way out of the web root). */
export function healthUri(healthPath: string): HealthUri {
  const [raw = '/', query = ''] = healthPath.split(/\?(.*)/s, 2);
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // nginx answers 400 to a malformed escape; the file test below then finds nothing, as nginx would.
  }
  const uriPath = path.posix.normalize(`/${decoded}`).replace(/^\/+/, '/');
  return { uriPath: raw.endsWith('/') && !uriPath.endsWith('/') ? `${uriPath}/` : uriPath, query, requestUri: healthPath };
}

/** Prints one Resolution word (run as root: existence only; readability is the app user's check, below). */
export function resolveCommand(webRoot: string, uri: HealthUri): Command {
  const target = `${webRoot}${uri.uriPath}`;
  const dir = target.endsWith('/') ? target : `${target}/`;
  return or(
    and(cmd('test', '-f', target), cmd('echo', 'file')),
    and(cmd('test', '-f', `${dir}index.php`), cmd('echo', 'dir-php')),
    and(cmd('test', '-f', `${dir}index.html`), cmd('echo', 'dir-html')),
    cmd('echo', 'front'),
  );
}

export type GateRoute = { kind: 'php'; scriptName: string } | { kind: 'static'; file: string };

/** What nginx does with the resolved path: a static file it reads itself, or a script it passes to the pool. */
export function gateRoute(webRoot: string, uri: HealthUri, resolution: Resolution): GateRoute {
  const dir = uri.uriPath.endsWith('/') ? uri.uriPath : `${uri.uriPath}/`;
  if (uri.uriPath.endsWith('.php')) return { kind: 'php', scriptName: uri.uriPath };
  if (resolution === 'file') return { kind: 'static', file: `${webRoot}${uri.uriPath}` };
  if (resolution === 'dir-php') return { kind: 'php', scriptName: `${dir}index.php` };
  if (resolution === 'dir-html') return { kind: 'static', file: `${webRoot}${dir}index.html` };
  return { kind: 'php', scriptName: '/index.php' };
}

/** A static file answers 200 when the app's user can read it (nginx reads it through the app's group). */
export function readableCommand(user: string, file: string): Command {
  return asUser(user, cmd('test', '-r', file));
}

/**
 * The CGI variables nginx's fastcgi_params and the vhost set for this request, with the new
 * release's real web root where the vhost puts `$realpath_root`.
 */
export function cgiVars(o: { webRoot: string; uri: HealthUri; scriptName: string; domain: string; tls: boolean }): Record<string, string> {
  return {
    SCRIPT_FILENAME: `${o.webRoot}${o.scriptName}`,
    SCRIPT_NAME: o.scriptName,
    DOCUMENT_URI: o.scriptName,
    DOCUMENT_ROOT: o.webRoot,
    REQUEST_URI: o.uri.requestUri,
    QUERY_STRING: o.uri.query,
    SERVER_PROTOCOL: 'HTTP/1.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'nginx',
    REMOTE_ADDR: '127.0.0.1',
    SERVER_ADDR: '127.0.0.1',
    SERVER_PORT: o.tls ? '443' : '80',
    SERVER_NAME: o.domain,
    HTTP_HOST: o.domain,
    HTTP_USER_AGENT: 'Berth pre-switch gate',
    REDIRECT_STATUS: '200',
    ...(o.tls ? { HTTPS: 'on' } : {}),
  };
}
