import { describe, expect, it } from 'vitest';
import { appConfigInput } from '@/lib/model/app-config';
import { render } from '@/lib/remote/command';
import { RecordingTransport, type Responder } from '@/test-support/recording-transport';
import { releaseContext } from '@/test-support/release-context';
import type { ReleaseContext } from './context';
import { opcacheWarmup, previousDir, warmRelease } from './opcache-warmup';
import { describeWarmup, parseWarmup, WARMUP_MARK, WARMUP_PHP, warmupCommand, type WarmupResult } from './opcache-warmup-script';

// What the warm-up task sends and how it reads the answer; opcache-warmup.integration.test.ts
// proves on the test hosts that the files really land in the pool's OPcache.
const ctx = (over: Partial<ReleaseContext> = {}, kind: 'php' | 'static' = 'php'): ReleaseContext =>
  releaseContext(appConfigInput.parse({ slug: 'shop', kind, domains: ['shop.test'] }), { previous: 'releases/6', ...over });
const io = (transport: RecordingTransport, lines: string[] = [], signal = new AbortController().signal) => ({
  transport,
  log: (l: string) => void lines.push(l),
  signal,
});
const RESULT: WarmupResult = {
  status: 'done',
  walked: false,
  compiled: 412,
  hot: 300,
  already: 3,
  skipped: 0,
  failed: 1,
  uncached: 0,
  ms: 640,
  memoryUsed: 40 * 1024 * 1024,
  memoryFree: 88 * 1024 * 1024,
  failures: ['src/Broken.php'],
};
/** cgi-fcgi's output: CRLF headers, a blank line, the body (a compile fatal makes FPM say 500, and the walk went on). */
const cgi = (r: object, status = '') =>
  `${status ? `Status: ${status}\r\n` : ''}X-Powered-By: PHP/8.2.29\r\nContent-type: text/plain;charset=UTF-8\r\n\r\n\n${WARMUP_MARK}${JSON.stringify(r)}\n`;
const answering =
  (stdout: string, code = 0): Responder =>
  (text) =>
    text.includes("'cgi-fcgi'") ? { code, stdout } : undefined;

describe('the warm-up request', () => {
  it('runs the uploaded script through the app’s own pool, with the previous release and the bounds as CGI variables', () => {
    const text = render(
      warmupCommand(
        '/run/php/berth-shop.sock',
        '/var/www/shop/releases/7',
        { budgetMs: 10_000, minFree: 0.1, previousDir: '/var/www/shop/releases/6' },
        15,
      ),
    );
    expect(text).toContain("'SCRIPT_FILENAME=/var/www/shop/releases/7/.berth-opcache-warmup.php'");
    expect(text).toContain("'BERTH_WARMUP_PREVIOUS=/var/www/shop/releases/6' 'BERTH_WARMUP_WALK=0'");
    expect(text).toContain("'BERTH_WARMUP_BUDGET_MS=10000' 'BERTH_WARMUP_MIN_FREE=0.1'");
    expect(text).toMatch(/'timeout' '15' 'cgi-fcgi' '-bind' '-connect' '\/run\/php\/berth-shop\.sock'$/);
  });

  it('reads the marker line whatever the status, and nothing else as an answer', () => {
    expect(parseWarmup(cgi(RESULT))).toEqual(RESULT);
    expect(parseWarmup(cgi(RESULT, '500 Internal Server Error'))).toEqual(RESULT);
    expect(parseWarmup('Status: 404 Not Found\r\nContent-type: text/html\r\n\r\nFile not found.\n')).toBeNull();
    expect(parseWarmup('')).toBeNull();
    expect(parseWarmup(cgi({ ...RESULT, compiled: -1 }))).toBeNull();
  });

  it('says what it did in one line', () => {
    expect(describeWarmup(RESULT, 700)).toBe(
      'compiled 412 PHP files in 700 ms (every file; 300 files the live release served, 3 already cached, 1 failed to compile (src/Broken.php)); OPcache 40.0 MB used, 88.0 MB free',
    );
    expect(describeWarmup({ ...RESULT, status: 'memory', skipped: 20 }, 700)).toMatch(/stopped at the OPcache memory bound; .*20 left\)/);
    expect(describeWarmup({ ...RESULT, status: 'disabled' }, 5)).toBe('OPcache is disabled in this pool: nothing to warm');
  });

  it('is PHP that walks past node_modules, .git and the top-level storage, and never follows a link', () => {
    expect(WARMUP_PHP).toMatch(/^<\?php\n/);
    expect(WARMUP_PHP).toContain("['node_modules', '.git']");
    expect(WARMUP_PHP).toContain("$f->getFilename() === 'storage' && $f->getPath() === $dir");
    expect(WARMUP_PHP).toContain('opcache_compile_file');
    // The live release's files count only if a request used them.
    expect(WARMUP_PHP).toContain("$s['hits'] > 0 &&");
  });
});

describe('the opcache-warmup task', () => {
  it('uploads the script beside REVISION as the app user (0640), runs it, removes it, and reports', async () => {
    const t = new RecordingTransport('s1', answering(cgi(RESULT)));
    const lines: string[] = [];
    const out = await opcacheWarmup.run(ctx(), io(t, lines));
    expect(t.calls[0]).toMatchObject({
      kind: 'upload',
      path: '/var/www/shop/releases/7/.berth-opcache-warmup.php',
      mode: 0o640,
      owner: 'shop',
      group: 'shop',
    });
    expect(t.commands).toHaveLength(2);
    expect(t.commands[0]).toContain("'BERTH_WARMUP_PREVIOUS=/var/www/shop/releases/6'");
    expect(t.commands[1]).toBe("'runuser' '-u' 'shop' '--' 'rm' '-f' '/var/www/shop/releases/7/.berth-opcache-warmup.php'");
    expect(out.changed).toBe(true);
    expect(out.summary).toMatch(/^releases\/7: compiled 412 PHP files in \d+ ms \(every file; 300 files the live release served/);
    expect(lines).toEqual([`opcache-warmup: ${out.summary}`]);
  });

  it('passes, and still removes the script, when the pool gives no answer, hangs, or OPcache is off', async () => {
    for (const [respond, said] of [
      [answering('', 111), /not warmed \(the release goes on\): .*exited with code 111/],
      [answering('', 124), /not warmed \(the release goes on\): no answer within 15 s/],
      [answering('Status: 404 Not Found\r\n\r\nFile not found.\n'), /not warmed .*the pool gave no warm-up answer: .*File not found\./],
      [answering(cgi({ ...RESULT, status: 'disabled', compiled: 0 })), /OPcache is disabled in this pool/],
    ] as const) {
      const t = new RecordingTransport('s1', respond);
      const out = await opcacheWarmup.run(ctx(), io(t));
      expect(out.changed).toBe(false);
      expect(out.summary).toMatch(said);
      expect(t.commands.at(-1)).toContain("'rm' '-f'");
    }
  });

  it('stops for a cancellation instead of passing', async () => {
    const abort = new AbortController();
    const t = new RecordingTransport('s1', (text) => {
      if (text.includes('cgi-fcgi')) abort.abort();
      return text.includes('cgi-fcgi') ? { code: 137 } : undefined;
    });
    await expect(opcacheWarmup.run(ctx(), io(t, [], abort.signal))).rejects.toThrow();
  });

  it('skips servers without the web role and apps without a pool', async () => {
    const t = new RecordingTransport();
    expect(await opcacheWarmup.run(ctx({ roles: ['worker'] }), io(t))).toEqual({
      changed: false,
      summary: 'not a web server for this app',
    });
    expect((await opcacheWarmup.run(ctx({}, 'static'), io(t))).summary).toBe('static apps have no PHP-FPM pool to warm');
    expect(t.calls).toEqual([]);
  });

  it('asks the pool once, and removes its script after', async () => {
    const t = new RecordingTransport('s1', answering(cgi(RESULT)));
    const { result } = await warmRelease(io(t), 'shop', 7, { budgetMs: 1_000 });
    expect(result).toMatchObject({ compiled: 412 });
    expect(t.commands.filter((c) => c.includes('cgi-fcgi'))).toHaveLength(1);
    expect(t.commands.at(-1)).toContain("'rm' '-f' '/var/www/shop/releases/7/.berth-opcache-warmup.php'");
  });

  it('takes only a release directory name as the previous release', () => {
    expect(previousDir('/var/www/shop', 'releases/6', 7)).toBe('/var/www/shop/releases/6');
    expect(previousDir('/var/www/shop', 'releases/7', 7)).toBeUndefined();
    expect(previousDir('/var/www/shop', '../etc', 7)).toBeUndefined();
    expect(previousDir('/var/www/shop', null, 7)).toBeUndefined();
  });
});
