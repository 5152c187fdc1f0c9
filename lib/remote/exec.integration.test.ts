/**
 * exec / runScript against the REAL test hosts (scripts/testbed). Fails, never skips,
 * without them. Each test gets its own server id, so connections and handshake counts
 * are its own.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { and, asUser, cmd, redirect, script } from './command';
import { closeAll, getConnection, handshakeCount } from './connection';
import { RemoteError } from './errors';
import { testHost, testTarget } from '@/test-support/test-hosts';
import { SshTransport } from './transport';

const host1 = () => testHost('berth-host-1');
const fresh = () => {
  const target = testTarget(host1());
  return { target, t: new SshTransport(target) };
};
const sh = (text: string) => cmd('sh', '-c', text);
/** "30.<unique>": a sleep of about 30 s that no other run (or a leftover of one) shares, for pgrep. */
const unique = (seconds: number) => `${seconds}.${process.pid}${Date.now() % 100_000}`;

/**
 * What still runs `sleep <seconds>` on the host, once the kill had up to 5 s to land: exec rejects
 * as soon as it gives up on a command, and the process-group kill reaches the host a moment later.
 */
async function leftover(t: SshTransport, seconds: string, exact = true): Promise<string> {
  let out = '';
  for (let i = 0; i < 50; i++) {
    out = (await t.exec(cmd('pgrep', exact ? '-xf' : '-f', `sleep ${seconds}`), { okExitCodes: [0, 1] })).stdout;
    if (out === '') return out;
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

afterAll(closeAll);

describe('exec on a real host', () => {
  it('returns stdout, stderr, exit code and duration', async () => {
    const { t } = fresh();
    const r = await t.exec(sh('hostname; echo warn >&2; id -un'));
    expect(r).toMatchObject({ code: 0, stdout: 'berth-host-1\nroot\n', stderr: 'warn\n' });
    expect(r.durationMs).toBeGreaterThan(0);
    await expect(t.exec(sh('exit 3'), { okExitCodes: [0, 3] })).resolves.toMatchObject({ code: 3 });
  });

  it('a non-zero exit is a RemoteError with the redacted command and the stderr tail', async () => {
    const { t } = fresh();
    const err = (await t
      .exec(sh('for i in $(seq 1 40); do echo "line $i" >&2; done; echo "DB_PASSWORD=hunter22" >&2; exit 7'))
      .catch((e) => e)) as RemoteError;
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ serverName: 'berth-host-1', exitCode: 7, failure: 'exit' });
    expect(err.command).toContain(`'sh' '-c'`);
    expect(err.command).toContain('DB_PASSWORD=[redacted]');
    expect(err.stderrTail.split('\n')).toHaveLength(20);
    expect(err.stderrTail).toMatch(/^line 22\n[\s\S]*line 40\nDB_PASSWORD=\[redacted\]$/);
    expect(err.message).not.toContain('hunter22');
    expect(err.message).not.toContain('berth-pid'); // our own marker never shows
  });

  it('a secret sent over stdin is in no process argv on the host, and is redacted in errors', async () => {
    const { t } = fresh();
    const secret = `s3cret-${Math.random().toString(36).slice(2)}`;
    const scanFor = (needle: string) =>
      t.exec(
        // The scan gets the needle over stdin too, so its own argv does not contain it.
        sh(
          'read -r n; for f in /proc/[0-9]*/cmdline /proc/[0-9]*/environ; do tr "\\0" " " <"$f" 2>/dev/null | grep -qF -- "$n" && echo "$f"; done; true',
        ),
        { stdin: `${needle}\n` },
      );
    // Control: the scan does find a value that IS in an argv.
    const exposed = `exposed-${Math.random().toString(36).slice(2)}`;
    const inArgv = t.exec(sh(`sleep 1; : ${exposed}`));
    await new Promise((r) => setTimeout(r, 400));
    expect((await scanFor(exposed)).stdout).toMatch(/\/proc\/\d+\/cmdline/);
    await inArgv;
    // Holds the secret in memory (read from stdin) for a while.
    const holder = t.exec(sh('read -r s; sleep 1.5; test -n "$s"'), { stdin: `${secret}\n` });
    await new Promise((r) => setTimeout(r, 400));
    const scan = await scanFor(secret);
    await holder;
    expect(scan.stdout).toBe('');
    const err = (await t.exec(sh('cat >&2; exit 1'), { stdin: `echoed ${secret}`, secrets: [secret] }).catch((e) => e)) as RemoteError;
    expect(err.stderrTail).toBe('echoed [redacted]');
    expect(err.message).not.toContain(secret);
  });

  it('hides the connection key even if a command prints it', async () => {
    const { target, t } = fresh();
    const err = (await t.exec(sh('cat >&2; exit 1'), { stdin: target.privateKey }).catch((e) => e)) as RemoteError;
    expect(err.message).not.toContain(target.privateKey.split('\n')[1]);
    expect(err.stderrTail).toBe('[redacted]');
  });

  it('20 sequential commands share ONE handshake', async () => {
    const { target, t } = fresh();
    for (let i = 0; i < 20; i++) await t.exec(cmd('true'));
    expect(handshakeCount(target.id)).toBe(1);
  });

  it('12 concurrent commands all succeed: beyond 8 channels they queue', async () => {
    const { target, t } = fresh();
    const connection = await getConnection(target);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, connection.channels.inUse)), 5);
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 12 }, () => t.exec(cmd('sleep', '0.3'))));
    clearInterval(sampler);
    expect(results.every((r) => r.code === 0)).toBe(true);
    expect(peak).toBe(8);
    expect(performance.now() - started).toBeGreaterThan(590); // two waves of 0.3 s
    expect(handshakeCount(target.id)).toBe(1);
  });

  it('without the semaphore OpenSSH refuses channels past MaxSessions (why it exists)', async () => {
    const { target } = fresh();
    const { client } = await getConnection(target);
    const outcomes = await Promise.all(
      Array.from(
        { length: 12 },
        () =>
          new Promise<string>((resolve) =>
            client.exec('sleep 0.3', (err, ch) => (err ? resolve('refused') : ch.on('close', () => resolve('ok')).resume())),
          ),
      ),
    );
    expect(outcomes.filter((o) => o === 'refused').length).toBeGreaterThan(0);
  });

  it('a per-command timeout kills the remote process in about the timeout', async () => {
    const { t } = fresh();
    const seconds = unique(30);
    const started = performance.now();
    const err = (await t.exec(cmd('sleep', seconds), { timeoutMs: 500 }).catch((e) => e)) as RemoteError;
    const took = performance.now() - started;
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ failure: 'timeout', exitCode: null });
    expect(err.message).toContain(`'sleep' '${seconds}' timed out after 0.5 s`);
    expect(took).toBeGreaterThan(480);
    expect(took).toBeLessThan(5000); // far from the 30 s sleep, with room for a loaded machine's handshake
    expect(await leftover(t, seconds)).toBe('');
  });

  it('a timed-out script is killed with all its children (the process group)', async () => {
    const { t } = fresh();
    const seconds = unique(31);
    const err = (await t
      .runScript(script(cmd('true'), cmd('sleep', seconds), cmd('true')), { timeoutMs: 500 })
      .catch((e) => e)) as RemoteError;
    expect(err.message).toContain(`script step 2/3: 'sleep' '${seconds}' timed out`);
    expect(await leftover(t, seconds, false)).toBe('');
  });

  it('abort cancels a running command and kills it; a command aborted while queued never runs', async () => {
    const { t } = fresh();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    const seconds = unique(32);
    const err = (await t.exec(cmd('sleep', seconds), { signal: controller.signal }).catch((e) => e)) as RemoteError;
    expect(err).toMatchObject({ failure: 'aborted' });
    // Far sooner than the 32 s sleep; the margin covers a fresh handshake on a loaded machine.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(await leftover(t, seconds)).toBe('');

    const holders = Array.from({ length: 8 }, () => t.exec(cmd('sleep', '0.5')));
    const queued = new AbortController();
    const ninth = t.exec(redirect(cmd('echo', 'ran'), '/tmp/berth-queued-marker'), { signal: queued.signal });
    setTimeout(() => queued.abort(), 100);
    await expect(ninth).rejects.toThrow(/cancelled \(while waiting for a free channel; it never ran\)/);
    await Promise.all(holders);
    expect((await t.exec(cmd('test', '-e', '/tmp/berth-queued-marker'), { okExitCodes: [0, 1] })).code).toBe(1);
  });

  it('streams complete lines in order, as they arrive', async () => {
    const { t } = fresh();
    const seen: Array<{ stream: string; line: string; at: number }> = [];
    const started = performance.now();
    await t.exec(sh('for i in $(seq 1 300); do echo "out $i"; echo "err $i" >&2; done; printf "no newline"; sleep 0.4; echo last'), {
      onLine: (stream, line) => seen.push({ stream, line, at: performance.now() - started }),
    });
    const out = seen.filter((s) => s.stream === 'stdout').map((s) => s.line);
    const errs = seen.filter((s) => s.stream === 'stderr').map((s) => s.line);
    expect(out).toEqual([...Array.from({ length: 300 }, (_, i) => `out ${i + 1}`), 'no newlinelast']);
    expect(errs).toEqual(Array.from({ length: 300 }, (_, i) => `err ${i + 1}`));
    // Lines came while the command was still running, not all at the end.
    expect(seen.find((s) => s.line === 'out 300')!.at).toBeLessThan(seen.at(-1)!.at - 300);
  });

  it('runScript sends several steps in one round trip and names the failing step', async () => {
    const { t } = fresh();
    const dir = `/tmp/berth-script-${Date.now()}`;
    const ok = await t.runScript(script(cmd('mkdir', '-p', dir), redirect(cmd('echo', "it's"), `${dir}/f`), cmd('cat', `${dir}/f`)));
    expect(ok.stdout).toBe("it's\n");
    expect(ok.stderr).toBe('');
    const err = (await t
      .runScript(script(cmd('true'), and(cmd('test', '-d', '/nope'), cmd('echo', 'never')), cmd('echo', 'after')))
      .catch((e) => e)) as RemoteError;
    expect(err.message).toMatch(/^On berth-host-1: script step 2\/3: 'test' '-d' '\/nope' && 'echo' 'never' exited with code 1$/);
    await t.exec(cmd('rm', '-rf', dir));
  });

  it('asUser runs as another user on the host, and a timeout kills its process too', async () => {
    const { t } = fresh();
    expect((await t.exec(asUser('www-data', cmd('id', '-un')))).stdout).toBe('www-data\n');
    const seconds = unique(33);
    await expect(t.exec(asUser('www-data', cmd('sleep', seconds)), { timeoutMs: 400 })).rejects.toThrow(/timed out/);
    expect(await leftover(t, seconds, false)).toBe('');
  });
});
