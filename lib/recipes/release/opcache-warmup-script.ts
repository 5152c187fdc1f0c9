import { z } from 'zod';
import type { Command } from '@/lib/remote/command';
import { fastcgiRequest, parseCgiResponse } from '@/lib/remote/fastcgi';

/**
 * The PHP that Berth runs inside an app's own FPM pool to reach OPcache. OPcache's memory is
 * per php-fpm master, not per worker, so a file compiled by one request is cached for every
 * worker of that master: one request can warm a whole pool. CLI PHP could not: it has its own
 * (usually disabled) cache. Both scripts end with one marker line of JSON, because a pool with
 * display_errors on may print warnings before it.
 */

/** The line prefix the panel looks for in the response body. */
export const WARMUP_MARK = 'BERTH-OPCACHE-WARMUP ';

/**
 * Uploaded into the release directory (never the web root) and run once before the switch.
 * - The live release's cached files that requests have used (hits > 0), most-hit first, mapped
 *   to the new release: the set the traffic will ask for. When there is one, that is all: OPcache
 *   never frees an old release's scripts, so compiling files no request loads (vendor tests,
 *   unused packages) would only fill it sooner (bench/opcache.ts: ~23 MB per release of 500
 *   classes). Without one (a first release, a pool just reloaded) or with BERTH_WARMUP_WALK=1,
 *   the whole tree is walked, sorted, so reruns behave the same.
 * - A file with a syntax or compile error counts as failed and the walk goes on: the gate already
 *   judged the entry point, and a broken file nobody loads must not block a release here.
 *   opcache_compile_file catches compile-time fatals itself (it returns false and warns).
 * - OPcache refuses to cache a file changed less than opcache.file_update_protection (2) seconds
 *   before the request began, in case it is half written; a build step may just have written
 *   some. The release's files are complete here (extract and the build have finished), so the
 *   script turns that off for its own request (PHP_INI_ALL), rather than waiting to ask again.
 * - The shutdown function prints the figures even if PHP dies (memory_limit, max_execution_time).
 */
export const WARMUP_PHP = `<?php
$t0 = hrtime(true);
$r = ['status' => 'done', 'walked' => false, 'compiled' => 0, 'hot' => 0, 'already' => 0, 'skipped' => 0, 'failed' => 0,
  'uncached' => 0, 'ms' => 0, 'memoryUsed' => 0, 'memoryFree' => 0, 'failures' => []];
register_shutdown_function(function () use (&$r, $t0) {
  $r['ms'] = intdiv(hrtime(true) - $t0, 1000000);
  $s = function_exists('opcache_get_status') ? @opcache_get_status(false) : false;
  if (is_array($s)) { $r['memoryUsed'] = $s['memory_usage']['used_memory']; $r['memoryFree'] = $s['memory_usage']['free_memory']; }
  echo "\\n${WARMUP_MARK}", json_encode($r), "\\n";
});
header('Content-Type: text/plain');
ini_set('opcache.file_update_protection', '0');
if (!function_exists('opcache_compile_file') || !ini_get('opcache.enable')) { $r['status'] = 'disabled'; exit; }
if (ini_get('opcache.restrict_api') !== '' && ini_get('opcache.restrict_api') !== false) { $r['status'] = 'restricted'; exit; }
$budgetMs = max(100, (int) ($_SERVER['BERTH_WARMUP_BUDGET_MS'] ?? 10000));
$minFree = (float) ($_SERVER['BERTH_WARMUP_MIN_FREE'] ?? 0.1);
$previous = (string) ($_SERVER['BERTH_WARMUP_PREVIOUS'] ?? '');
$dir = realpath(__DIR__);
$self = realpath(__FILE__);
$files = [];
$status = @opcache_get_status($previous !== '');
if (!is_array($status) || empty($status['opcache_enabled'])) { $r['status'] = 'disabled'; exit; }
if ($previous !== '' && !empty($status['scripts'])) {
  $hot = [];
  foreach ($status['scripts'] as $path => $s) {
    if ($s['hits'] > 0 && strncmp($path, $previous . '/', strlen($previous) + 1) === 0) $hot[$dir . substr($path, strlen($previous))] = $s['hits'];
  }
  arsort($hot);
  foreach ($hot as $path => $hits) if ($path !== $self && is_file($path) && !is_link($path)) $files[$path] = true;
  $r['hot'] = count($files);
}
unset($status);
$r['walked'] = !$files || ($_SERVER['BERTH_WARMUP_WALK'] ?? '') === '1';
$walk = !$r['walked'] ? [] : new RecursiveIteratorIterator(new RecursiveCallbackFilterIterator(
  new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS),
  fn ($f) => !$f->isDir() || !($f->isLink() || in_array($f->getFilename(), ['node_modules', '.git'], true)
    || ($f->getFilename() === 'storage' && $f->getPath() === $dir))
));
$rest = [];
foreach ($walk as $f) {
  if (substr($f->getFilename(), -4) === '.php' && !$f->isLink() && $f->getPathname() !== $self) $rest[] = $f->getPathname();
}
sort($rest, SORT_STRING);
foreach ($rest as $path) $files[$path] = true;
$compile = function ($path) use (&$r, $dir) {
  try { $ok = @opcache_compile_file($path); } catch (Throwable $e) { $ok = false; }
  if ($ok && opcache_is_script_cached($path)) { $r['compiled']++; return; }
  if ($ok) { $r['uncached']++; return; }
  $r['failed']++;
  if (count($r['failures']) < 5) $r['failures'][] = substr($path, strlen($dir) + 1);
};
$full = function () use ($minFree) {
  $s = opcache_get_status(false);
  $m = $s['memory_usage'];
  $total = $m['used_memory'] + $m['free_memory'] + $m['wasted_memory'];
  return !empty($s['cache_full']) || $m['free_memory'] < $minFree * $total
    || $s['opcache_statistics']['num_cached_keys'] >= $s['opcache_statistics']['max_cached_keys'];
};
$over = fn () => (hrtime(true) - $t0) / 1000000 >= $budgetMs;
$todo = array_keys($files);
foreach ($todo as $path) {
  if ($over()) { $r['status'] = 'time'; break; }
  if ($full()) { $r['status'] = 'memory'; break; }
  if (opcache_is_script_cached($path)) { $r['already']++; continue; }
  $compile($path);
}
$r['skipped'] = count($todo) - $r['compiled'] - $r['already'] - $r['failed'] - $r['uncached'];
`;

/** The warm-up script's name inside a release: a dot file beside REVISION, outside any web root. */
export const WARMUP_FILE = '.berth-opcache-warmup.php';

export type WarmupOptions = {
  /** The script stops compiling after this long (its own clock; the FastCGI timeout is a backstop). */
  budgetMs: number;
  /** It stops when OPcache's free memory falls below this share of the total, leaving room for what it did not foresee. */
  minFree: number;
  /** The release that is live now (absolute): its cached files are compiled first. */
  previousDir?: string;
  /** Walk the whole tree even when the live release gave a hot set. */
  walk?: boolean;
};

/** The CGI variables FPM needs to run a script that no vhost routes to; the BERTH_* ones reach it as $_SERVER. */
export function warmupVars(releaseDir: string, o: WarmupOptions): Record<string, string> {
  return {
    SCRIPT_FILENAME: `${releaseDir}/${WARMUP_FILE}`,
    SCRIPT_NAME: `/${WARMUP_FILE}`,
    DOCUMENT_ROOT: releaseDir,
    REQUEST_URI: `/${WARMUP_FILE}`,
    QUERY_STRING: '',
    SERVER_PROTOCOL: 'HTTP/1.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REMOTE_ADDR: '127.0.0.1',
    HTTP_USER_AGENT: 'Berth OPcache warm-up',
    BERTH_WARMUP_BUDGET_MS: String(Math.round(o.budgetMs)),
    BERTH_WARMUP_MIN_FREE: String(o.minFree),
    BERTH_WARMUP_PREVIOUS: o.previousDir ?? '',
    BERTH_WARMUP_WALK: o.walk ? '1' : '0',
  };
}

export function warmupCommand(socket: string, releaseDir: string, o: WarmupOptions, timeoutS: number): Command {
  return fastcgiRequest(socket, warmupVars(releaseDir, o), timeoutS);
}

const warmupSchema = z.object({
  status: z.enum(['done', 'time', 'memory', 'disabled', 'restricted']),
  walked: z.boolean(),
  compiled: z.number().int().nonnegative(),
  hot: z.number().int().nonnegative(),
  already: z.number().int().nonnegative(),
  skipped: z.number().int(),
  failed: z.number().int().nonnegative(),
  uncached: z.number().int().nonnegative(),
  ms: z.number().int().nonnegative(),
  memoryUsed: z.number().nonnegative(),
  memoryFree: z.number().nonnegative(),
  failures: z.array(z.string()),
});
export type WarmupResult = z.infer<typeof warmupSchema>;

/** The marker line's JSON from a CGI response, whatever status FPM gave it (a compile fatal sets 500 but the walk went on). */
export function markedJson(output: string, mark: string): unknown {
  const body = parseCgiResponse(output)?.body ?? '';
  const line = body.split('\n').findLast((l) => l.startsWith(mark));
  if (!line) return null;
  try {
    return JSON.parse(line.slice(mark.length));
  } catch {
    return null;
  }
}

/** null: not the warm-up script's answer (no pool, FPM's "File not found.", a cut-off body). */
export function parseWarmup(output: string): WarmupResult | null {
  const parsed = warmupSchema.safeParse(markedJson(output, WARMUP_MARK));
  return parsed.success ? parsed.data : null;
}

const MB = 1024 * 1024;
export const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** One line for the task summary. */
export function describeWarmup(r: WarmupResult, wallMs: number): string {
  if (r.status === 'disabled') return 'OPcache is disabled in this pool: nothing to warm';
  if (r.status === 'restricted') return 'opcache.restrict_api keeps the release directory out of the OPcache API: nothing warmed';
  const stop = { done: 'every file', time: 'stopped at the time budget', memory: 'stopped at the OPcache memory bound' }[r.status];
  const extra = [
    r.hot > 0 && `${r.hot} files the live release served${r.walked ? ', then the tree' : ''}`,
    r.already > 0 && `${r.already} already cached`,
    r.failed > 0 && `${r.failed} failed to compile (${r.failures.join(', ')})`,
    r.uncached > 0 && `${r.uncached} compiled but not cached`,
    r.skipped > 0 && `${r.skipped} left`,
  ].filter(Boolean);
  return `compiled ${r.compiled} PHP files in ${wallMs} ms (${stop}${extra.length ? `; ${extra.join(', ')}` : ''}); OPcache ${mb(r.memoryUsed)} used, ${mb(r.memoryFree)} free`;
}
