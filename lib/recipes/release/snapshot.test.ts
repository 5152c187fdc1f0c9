import { describe, expect, it } from 'vitest';
import { appConfigInput } from '@/lib/model/app-config';
import { RecordingTransport, type Responder } from '@/test-support/recording-transport';
import { releaseContext, TEST_SERVER_ID } from '@/test-support/release-context';
import type { ReleaseContext } from './context';
import { hooks } from './hooks';
import { removeExpiredSnapshots, snapshot } from './snapshot';

// What the snapshot, hooks and cleanup parts decide and send; snapshots.integration.test.ts proves them on a host.
const S1 = TEST_SERVER_ID;
const S2 = '22222222-2222-4222-8222-222222222222';
const TCP: Responder = (text) => (text.startsWith("'test' '-S'") ? { code: 1 } : undefined);
const ctx = (hookList: unknown[], over: Partial<ReleaseContext> = {}): ReleaseContext =>
  releaseContext(
    appConfigInput.parse({
      slug: 'shop',
      kind: 'php',
      domains: ['shop.test'],
      dataServices: { postgres: true },
      release: { hooks: hookList },
    }),
    { database: { database: 'app_shop', role: 'app_shop', expired: [] }, ...over },
  );
const io = (transport: RecordingTransport, lines: string[] = []) => ({
  transport,
  log: (l: string) => void lines.push(l),
  signal: new AbortController().signal,
});
const MIGRATE = { argv: ['php', 'artisan', 'migrate', '--force'], migration: true };

describe('the snapshot task', () => {
  it('takes nothing without Berth Postgres here, or without a migration hook on this server', async () => {
    const t = new RecordingTransport('s1', TCP);
    expect(await snapshot.run(ctx([MIGRATE], { database: undefined }), io(t))).toEqual({
      changed: false,
      summary: "the database is on the app's data server",
    });
    const off = ctx([MIGRATE], { database: undefined });
    off.app.dataServices.postgres = false;
    expect((await snapshot.run(off, io(t))).summary).toBe('no Berth-managed database');
    expect(
      (
        await snapshot.run(
          ctx([
            { argv: ['true'], migration: false },
            { ...MIGRATE, serverId: S2 },
          ]),
          io(t),
        )
      ).summary,
    ).toBe('no migration hook runs here');
    expect(t.commands).toEqual([]);
  });

  it('dumps as the admin into a root-only directory under a temporary name, then renames it', async () => {
    const t = new RecordingTransport('s1', (text, call) => (call.kind === 'script' ? { stdout: '2048\n' } : TCP(text, call)));
    const c = ctx([
      { argv: ['true'], migration: false },
      { ...MIGRATE, serverId: S1 },
    ]);
    const outcome = await snapshot.run(c, io(t));
    expect(c.snapshot!.path).toMatch(/^\/var\/backups\/berth\/shop\/7-\d{8}T\d{6}Z\.dump$/);
    expect(c.snapshot!.sizeBytes).toBe(2048);
    expect(outcome).toEqual({ changed: true, summary: `app_shop: 2.0 kB in ${c.snapshot!.path}, kept 7 days` });
    const p = c.snapshot!.path;
    expect(t.commands.at(-1)).toBe(
      [
        'set -eu',
        '{',
        "'install' '-d' '-m' '0700' '-o' 'root' '-g' 'root' '/var/backups/berth' '/var/backups/berth/shop'",
        `'install' '-m' '0600' '-o' 'root' '-g' 'root' '/dev/null' '${p}.partial'`,
        `'pg_dump' '-w' '-Fc' '-d' 'app_shop' '-h' '127.0.0.1' '-p' '5432' '-U' 'postgres' > '${p}.partial'`,
        `'mv' '-f' '-T' '${p}.partial' '${p}'`,
        `'stat' '-c' '%s' '${p}'`,
        '} </dev/null',
        '',
      ].join('\n'),
    );
  });

  it('a failed dump removes the partial file and says no migration ran', async () => {
    const t = new RecordingTransport('s1', (text, call) =>
      call.kind === 'script' ? { code: 1, stderr: 'pg_dump: error: connection failed' } : TCP(text, call),
    );
    await expect(snapshot.run(ctx([MIGRATE]), io(t))).rejects.toThrow(
      /^Could not take the pre-migration snapshot of app_shop, so no migration ran: .*pg_dump: error: connection failed/s,
    );
    expect(t.commands.at(-1)).toMatch(/^'rm' '-f' '\/var\/backups\/berth\/shop\/7-.*\.dump\.partial' \|\| 'true'$/);
  });
});

describe('hooks with a snapshot', () => {
  const failing =
    (which: string): Responder =>
    (text, call) =>
      text.includes(which) ? { code: 2, stderr: 'SQLSTATE boom' } : TCP(text, call);
  const taken = { path: '/var/backups/berth/shop/7-20260101T000000Z.dump', takenAt: new Date(), sizeBytes: 1 };

  it('restores the database when a migration hook fails, in one transaction, then fails with both', async () => {
    const t = new RecordingTransport('s1', failing("'migrate'"));
    const lines: string[] = [];
    const c = ctx([MIGRATE], { snapshot: { ...taken } });
    const err = await hooks.run(c, io(t, lines)).catch((e: Error & { exitCode?: number }) => e);
    expect(err).toMatchObject({ exitCode: 2 });
    expect((err as Error).message).toMatch(/^A migration failed: database restored from the snapshot taken before it\.\n.*SQLSTATE boom/s);
    expect(c.snapshot!.restoredAt).toBeInstanceOf(Date);
    expect(lines).toContain('database restored from the snapshot');
    const restore = t.commands.at(-1)!;
    expect(restore).toContain(`'pg_restore' '-f' '/dev/null' '${taken.path}'`);
    expect(restore).toContain("'flock' '-n' '-E' '75' '/run/berth-release-shop.lock'");
    // Under bash's pipefail (quoted twice: flock → sh -c → bash -c): a pg_restore that dies mid-stream fails the restore.
    expect(restore).toMatch(/'bash'\W+'-o'\W+'pipefail'\W+'-c'/);
    expect(restore).toMatch(
      new RegExp(`pg_restore\\W+--clean\\W+--if-exists\\W+-f\\W+-\\W+${taken.path.replaceAll('.', '\\.')}\\W+\\| \\W*psql`),
    );
    expect(restore).toMatch(/--single-transaction\W+-c\W+DROP OWNED BY app_shop\W+-f\W+-\W+-d\W+app_shop/);
  });

  it('leaves the database alone when a non-migration hook fails, or no snapshot was taken', async () => {
    for (const [list, snap] of [
      [[{ argv: ['false-hook'], migration: false }], taken],
      [[MIGRATE], undefined],
    ] as const) {
      const t = new RecordingTransport('s1', failing(list[0]!.argv[0]!));
      await expect(hooks.run(ctx([...list], { snapshot: snap }), io(t))).rejects.toThrow(/SQLSTATE boom/);
      expect(t.commands.some((c) => c.includes('pg_restore'))).toBe(false);
    }
  });

  it('says so when the restore fails too', async () => {
    const t = new RecordingTransport('s1', (text, call) =>
      call.kind === 'script' ? { code: 1, stderr: 'pg_restore: error: input file is too short' } : failing("'migrate'")(text, call),
    );
    const err = (await hooks.run(ctx([MIGRATE], { snapshot: { ...taken } }), io(t)).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(
      /^A migration failed, and restoring the snapshot .* failed too: restore it from the release page\.\n.*SQLSTATE boom.*input file is too short/s,
    );
  });
});

describe('expiry in cleanup', () => {
  it('removes only Berth-named dumps of this app, then sweeps unrecorded ones a day past the keep time', async () => {
    const t = new RecordingTransport('s1', () => ({ stdout: '/var/backups/berth/shop/1-20200101T000000Z.dump\n' }));
    const expired = [
      { id: 'a', path: '/var/backups/berth/shop/3-20260101T000000Z.dump' },
      { id: 'b', path: '/etc/passwd' },
    ];
    const c = ctx([], { database: { database: 'app_shop', role: 'app_shop', expired } });
    const lines: string[] = [];
    expect(await removeExpiredSnapshots(c, t, (l) => void lines.push(l))).toBe(2);
    expect(t.commands[0]).toContain(
      "'test' '!' '-d' '/var/backups/berth/shop' || 'rm' '-f' '/var/backups/berth/shop/3-20260101T000000Z.dump'\n",
    );
    expect(t.commands[0]).toContain(
      "'find' '/var/backups/berth/shop' '-maxdepth' '1' '-type' 'f' '-name' '*.dump*' '-mmin' '+11520' '-print' '-delete'",
    );
    expect(t.commands[0]).not.toContain('/etc/passwd');
    expect(c.removedSnapshots).toEqual(['a']);
    expect(lines).toEqual([
      'removed the expired snapshot /var/backups/berth/shop/3-20260101T000000Z.dump',
      'removed /var/backups/berth/shop/1-20200101T000000Z.dump, a snapshot no row recorded',
    ]);
  });

  it('does nothing on a server that is not the data server', async () => {
    const t = new RecordingTransport('s1');
    expect(await removeExpiredSnapshots(ctx([], { database: undefined }), t, () => {})).toBe(0);
    expect(t.commands).toEqual([]);
  });
});
