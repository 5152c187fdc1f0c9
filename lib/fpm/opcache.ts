import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { appLayout } from '@/lib/plan/app-layout';
import { markedJson } from '@/lib/recipes/release/opcache-warmup-script';
import { and, asUser, cmd, ignoreFailure, redirect, script, type Script } from '@/lib/remote/command';
import { fastcgiRequest } from '@/lib/remote/fastcgi';

// OPcache as the app's own pool sees it, for the dashboard (the warm-up that fills it is
// lib/recipes/release/opcache-warmup.ts).

const STATUS_MARK = 'BERTH-OPCACHE-STATUS ';

/**
 * Read-only: the master's OPcache memory and, for the app's own base directory, how many scripts
 * are cached and how much memory they hold per release directory (what accumulates as releases
 * come and go: OPcache never frees an old release's scripts until it restarts). Berth's own
 * scripts (.berth-*) are left out: they are gone from disk once they have run.
 */
export const STATUS_PHP = `<?php
header('Content-Type: text/plain');
$out = ['enabled' => false];
$s = function_exists('opcache_get_status') ? @opcache_get_status(true) : false;
if (is_array($s)) {
  $base = realpath(__DIR__) . '/';
  $releases = [];
  $app = ['scripts' => 0, 'bytes' => 0];
  foreach ($s['scripts'] ?? [] as $path => $script) {
    if (strncmp($path, $base, strlen($base)) !== 0 || str_contains($path, '/.berth-')) continue;
    $app['scripts']++;
    $app['bytes'] += $script['memory_consumption'];
    $rel = substr($path, strlen($base));
    if (preg_match('#^releases/(\\d+)/#', $rel, $m)) {
      $releases[$m[1]] ??= ['scripts' => 0, 'bytes' => 0];
      $releases[$m[1]]['scripts']++;
      $releases[$m[1]]['bytes'] += $script['memory_consumption'];
    }
  }
  $m = $s['memory_usage'];
  $st = $s['opcache_statistics'];
  $out = ['enabled' => (bool) $s['opcache_enabled'], 'used' => $m['used_memory'], 'free' => $m['free_memory'],
    'wasted' => $m['wasted_memory'], 'cachedScripts' => $st['num_cached_scripts'], 'maxKeys' => $st['max_cached_keys'],
    'hits' => $st['hits'], 'misses' => $st['misses'], 'oomRestarts' => $st['oom_restarts'], 'startTime' => $st['start_time'],
    'app' => $app, 'releases' => (object) $releases];
}
echo "\\n${STATUS_MARK}", json_encode($out), "\\n";
`;

const sizeSchema = z.object({ scripts: z.number().int().nonnegative(), bytes: z.number().nonnegative() });
const statusSchema = z.union([
  z.object({ enabled: z.literal(false) }),
  z.object({
    enabled: z.literal(true),
    used: z.number(),
    free: z.number(),
    wasted: z.number(),
    cachedScripts: z.number().int(),
    maxKeys: z.number().int(),
    hits: z.number(),
    misses: z.number(),
    oomRestarts: z.number().int(),
    startTime: z.number().int(),
    app: sizeSchema,
    releases: z.record(z.string().regex(/^\d+$/), sizeSchema),
  }),
]);
export type OpcacheStatus = z.infer<typeof statusSchema>;

export function parseOpcacheStatus(output: string): OpcacheStatus | null {
  const parsed = statusSchema.safeParse(markedJson(output, STATUS_MARK));
  return parsed.success ? parsed.data : null;
}

/** Seconds a status read may take: opcache_get_status(true) walks every cached script, still well under a second. */
export const OPCACHE_STATUS_TIMEOUT_S = 5;

/**
 * One round trip: the app user writes the status script into the app's base directory (under a
 * name of its own, so two readers never remove each other's), the app's pool runs it, and it is
 * removed. It must run in the app's pool: the pool's user reads only its own files, and only that
 * pool's php-fpm master has the cache that nginx's requests use. The source travels in argv:
 * it is Berth's constant text, never input or a secret.
 */
export function opcacheStatusScript(slug: string, token = randomBytes(6).toString('hex')): Script {
  const l = appLayout(slug);
  const file = `${l.base}/.berth-opcache-status-${token}.php`;
  const tmp = `${file}.tmp`;
  const write = and(
    cmd('umask', '077'),
    redirect(cmd('printf', '%s', STATUS_PHP), tmp),
    cmd('chmod', '0640', tmp),
    cmd('mv', '-f', '-T', tmp, file),
  );
  const request = fastcgiRequest(
    l.fpmSocket,
    { SCRIPT_FILENAME: file, SCRIPT_NAME: '/berth-opcache-status.php', DOCUMENT_ROOT: l.base, REQUEST_URI: '/', QUERY_STRING: '' },
    OPCACHE_STATUS_TIMEOUT_S,
  );
  return script(asUser(l.user, write), ignoreFailure(request), asUser(l.user, cmd('rm', '-f', file)));
}
