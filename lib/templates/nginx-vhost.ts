import { HEADER, positiveInt, safe, TemplateValueError } from './directive';
import { snippetStructureProblem } from '@/lib/model/nginx-snippet';

/** `include`: the proxy_pass lives in a file of its own (renderLiveUpstream), which a release rewrites to move traffic. */
export type Upstream =
  | { kind: 'php'; fpmSocket: string }
  | { kind: 'process'; socket: string }
  | { kind: 'process'; port: number }
  | { kind: 'process'; include: string }
  | { kind: 'static' };

export type VhostConfig = {
  slug: string;
  domains: string[];
  /** The server's bind address, or null for all addresses. */
  bindAddress: string | null;
  /** e.g. /var/www/<slug>/current/public: resolved per request through the `current` link. */
  root: string;
  upstream: Upstream;
  clientMaxBodyMb: number;
  /** PHP-FPM's status page, served to the server itself only. */
  fpmStatusPath?: string;
  tls?: { certificate: string; key: string };
  /** Where ACME HTTP-01 challenges are answered from. */
  acmeWebroot: string;
  /** The admin's own directives, placed in the server block that serves the app; nginx -t judges them. */
  snippet?: string;
  /** The app's own access log, one line per request with the release that answered (the watch window reads it). */
  accessLog?: string;
};

/** `$realpath_root` names the release directory that served the request (`current` resolved per request). */
export const ACCESS_LOG_FIELDS = '$msec $status $realpath_root';
const logFormatName = (slug: string) => `berth_release_${safe('slug', slug)}`;

function listen(bindAddress: string | null, port: number, extra = ''): string[] {
  const suffix = extra ? ` ${extra}` : '';
  if (bindAddress)
    return [
      `listen ${bindAddress.includes(':') ? `[${safe('bind address', bindAddress)}]` : safe('bind address', bindAddress)}:${port}${suffix};`,
    ];
  return [`listen ${port}${suffix};`, `listen [::]:${port}${suffix};`];
}

function appLocations(c: VhostConfig): string[] {
  const u = c.upstream;
  if (u.kind === 'static') return ['location / {', '    try_files $uri $uri/ =404;', '}'];
  if (u.kind === 'process') {
    const pass =
      'include' in u
        ? `include ${safe('live upstream path', u.include)};`
        : `proxy_pass ${'port' in u ? `http://127.0.0.1:${positiveInt('port', u.port)}` : `http://unix:${safe('socket', u.socket)}:`};`;
    return [
      'location / {',
      `    ${pass}`,
      '    proxy_http_version 1.1;',
      '    proxy_set_header Host $host;',
      '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '    proxy_set_header X-Forwarded-Proto $scheme;',
      '    proxy_set_header Upgrade $http_upgrade;',
      '    proxy_set_header Connection "upgrade";',
      '}',
    ];
  }
  return [
    'location / {',
    '    try_files $uri $uri/ /index.php?$query_string;',
    '}',
    'location ~ \\.php$ {',
    `    fastcgi_pass unix:${safe('FPM socket', u.fpmSocket)};`,
    '    include fastcgi_params;',
    // $realpath_root, not $document_root: after a release switch PHP sees the new release at once (STACK-NOTES).
    '    fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;',
    '    fastcgi_param DOCUMENT_ROOT $realpath_root;',
    '}',
    ...(c.fpmStatusPath
      ? [
          `location = ${safe('FPM status path', c.fpmStatusPath)} {`,
          '    allow 127.0.0.1;',
          '    allow ::1;',
          '    deny all;',
          // fastcgi_params sets SCRIPT_NAME to this exact path, which pm.status_path matches.
          '    include fastcgi_params;',
          `    fastcgi_pass unix:${safe('FPM socket', u.fpmSocket)};`,
          '}',
        ]
      : []),
    'location ~ /\\.(?!well-known) {',
    '    deny all;',
    '}',
  ];
}

const indent = (lines: string[]) => lines.map((l) => (l ? `    ${l}` : l));

function snippetLines(snippet: string | undefined): string[] {
  const text = snippet?.trim();
  if (!text) return [];
  if (text.includes('\0')) throw new TemplateValueError('the nginx snippet contains a NUL byte');
  const problem = snippetStructureProblem(text); // checked again here: it must not leave the server block
  if (problem) throw new TemplateValueError(`the nginx snippet: ${problem}`);
  return ['# custom snippet (from Berth)', ...text.split('\n').map((l) => l.trimEnd()), '# end of custom snippet'];
}

/** One server block per port: HTTP (redirecting to HTTPS once a certificate exists) and HTTPS. */
export function renderVhost(c: VhostConfig): string {
  const names = c.domains.map((d) => safe('domain', d)).join(' ');
  const common = [
    `server_name ${names};`,
    `root ${safe('root', c.root)};`,
    'index index.php index.html;',
    `client_max_body_size ${positiveInt('client_max_body_size', c.clientMaxBodyMb)}m;`,
    // A server-level access_log replaces the http-level one: Debian's combined log is named again so it keeps every request.
    ...(c.accessLog
      ? [`access_log ${safe('access log', c.accessLog)} ${logFormatName(c.slug)};`, 'access_log /var/log/nginx/access.log combined;']
      : []),
  ];
  // nginx reads challenges as www-data, which is in every app's group: no symlink in the path
  // (an app user could otherwise point one at another app's files) is followed.
  const acme = [
    'location ^~ /.well-known/acme-challenge/ {',
    `    root ${safe('ACME webroot', c.acmeWebroot)};`,
    '    default_type text/plain;',
    '    disable_symlinks on;',
    '}',
  ];
  const http = c.tls
    ? [
        'server {',
        ...indent([
          ...listen(c.bindAddress, 80),
          `server_name ${names};`,
          ...acme,
          'location / {',
          '    return 301 https://$host$request_uri;',
          '}',
        ]),
        '}',
      ]
    : ['server {', ...indent([...listen(c.bindAddress, 80), ...common, ...snippetLines(c.snippet), ...acme, ...appLocations(c)]), '}'];
  const https = c.tls
    ? [
        '',
        'server {',
        ...indent([
          ...listen(c.bindAddress, 443, 'ssl'),
          ...common,
          `ssl_certificate ${safe('certificate path', c.tls.certificate)};`,
          `ssl_certificate_key ${safe('key path', c.tls.key)};`,
          ...snippetLines(c.snippet),
          ...acme,
          ...appLocations(c),
        ]),
        '}',
      ]
    : [];
  // log_format is an http-level directive: this file is included at that level, so it may define one (named per app).
  const format = c.accessLog ? [`log_format ${logFormatName(c.slug)} '${ACCESS_LOG_FIELDS}';`, ''] : [];
  return [`# ${HEADER}`, ...format, ...http, ...https, ''].join('\n');
}

/**
 * The include behind a process app's `location /` (Upstream `include`): the live slot's address
 * and port, and the slot's name, which is how the server records which slot is live.
 */
export function renderLiveUpstream(c: { slot: 'a' | 'b'; address: string; port: number }): string {
  return [
    `# ${HEADER}`,
    `# live slot: ${c.slot}`,
    `proxy_pass http://${safe('address', c.address)}:${positiveInt('port', c.port)};`,
    '',
  ].join('\n');
}
