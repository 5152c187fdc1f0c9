import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { render } from '@/lib/remote/command';
import {
  backupCmd,
  checkCmd,
  dumpCmd,
  forgetCmd,
  fullSnapshotId,
  initCmd,
  knownHostsLine,
  openRepo,
  parseBackupSummary,
  rcloneConfig,
  repoLocation,
  repoOf,
  restoreCmd,
  runPaths,
  preflightCmd,
  preflightOutcome,
  secretFiles,
  snapshotFilesCmd,
} from './restic';
import { ADMIN_PSQL } from '../configure/database';
import {
  countRowsInDump,
  countSql,
  createDatabaseSql,
  keptName,
  parseCountRows,
  parseCounts,
  restoredName,
  restoreInto,
  roleSql,
  scratchName,
  swapSql,
} from './pg';

// The exact commands restic and rclone get; that they work is proved against s3rver and an SFTP
// target on the test hosts (lib/backups/engine-*.integration.test.ts).
const RUN = '0f1e2d3c-4b5a-6978-8a9b-aabbccddeeff';
const paths = runPaths('shop', RUN);
const s3 = { kind: 's3', endpoint: 'http://127.0.0.1:4601', region: '', bucket: 'backups/berth', accessKeyId: 'AKID' } as const;
const sftp = { kind: 'sftp', host: 'box.example', port: 23, user: 'u1', path: 'data', hostKey: 'ssh-ed25519 AAAAC3Nz' } as const;
const local = { kind: 'local', path: '/mnt/backups/' } as const;

describe('restic over rclone: paths, config and commands', () => {
  it('keeps secrets in a run directory apart from what is staged', () => {
    expect(paths).toMatchObject({
      keys: `/var/backups/berth/shop/keys-${RUN}`,
      password: `/var/backups/berth/shop/keys-${RUN}/repo-key`,
      stage: `/var/backups/berth/shop/backup-${RUN}`,
      dump: `/var/backups/berth/shop/backup-${RUN}/database.dump`,
      restore: `/var/backups/berth/shop/restore-${RUN}`,
    });
    expect(() => runPaths('../etc', RUN)).toThrow(/slug/);
    expect(() => runPaths('shop', '../../x')).toThrow(/run id/);
  });

  it('places one repository per app under the bucket or path', () => {
    expect(repoLocation(s3, 'shop')).toBe('rclone:t:backups/berth/shop');
    expect(repoLocation(sftp, 'shop')).toBe('rclone:t:data/shop');
    expect(repoLocation(local, 'shop')).toBe('/mnt/backups/shop');
  });

  it('writes the rclone config from the settings, the secret only inside it', () => {
    expect(rcloneConfig(s3, 'SECRET', paths)).toBe(
      '[t]\ntype = s3\nprovider = Other\nendpoint = http://127.0.0.1:4601\naccess_key_id = AKID\nsecret_access_key = SECRET\n',
    );
    expect(rcloneConfig(sftp, 'KEY', paths)).toBe(
      `[t]\ntype = sftp\nhost = box.example\nport = 23\nuser = u1\nkey_file = ${paths.sshKey}\nknown_hosts_file = ${paths.knownHosts}\nshell_type = none\ndisable_hashcheck = true\n`,
    );
    expect(knownHostsLine(sftp)).toBe('[box.example]:23 ssh-ed25519 AAAAC3Nz\n');
    expect(knownHostsLine({ ...sftp, port: 22 })).toBe('box.example ssh-ed25519 AAAAC3Nz\n');
    expect(() => rcloneConfig({ ...s3, accessKeyId: 'A\nendpoint = http://evil' }, 'S', paths)).toThrow(/line break/);
    expect(() => rcloneConfig(s3, 'S\n[other]', paths)).toThrow(/line break/);
  });

  it('uploads the password, the config and, for SFTP, the key and the pinned host key', () => {
    const secrets = { credential: '-----KEY-----', repoKey: 'REPOKEY' };
    expect(secretFiles(local, secrets, paths).map((f) => f.path)).toEqual([paths.password]);
    expect(secretFiles(s3, secrets, paths).map((f) => f.path)).toEqual([paths.password, paths.rcloneConfig]);
    const files = secretFiles(sftp, secrets, paths);
    expect(files.map((f) => f.path)).toEqual([paths.password, paths.rcloneConfig, paths.sshKey, paths.knownHosts]);
    expect(files[0]!.content).toBe('REPOKEY\n');
    expect(files[2]!.content).toBe('-----KEY-----\n');
  });

  it('renders every restic command with the password as a file and RCLONE_CONFIG set', () => {
    const repo = repoOf(s3, 'shop', paths);
    const pre = `'env' 'RCLONE_CONFIG=${paths.rcloneConfig}' 'restic' '-r' 'rclone:t:backups/berth/shop' '--password-file' '${paths.password}' '--no-cache'`;
    expect(render(initCmd(repo))).toBe(`${pre} 'init'`);
    expect(render(openRepo(repo))).toBe(`{ ${pre} 'cat' 'config'; } > '/dev/null'`);
    expect(render(backupCmd(repo, { slug: 'shop', runId: RUN }, [paths.stage, '/var/www/shop/shared/uploads']))).toBe(
      `${pre} 'backup' '--json' '--tag' 'berth' '--tag' 'app=shop' '--tag' 'run=${RUN}' '${paths.stage}' '/var/www/shop/shared/uploads'`,
    );
    expect(render(checkCmd(repo))).toBe(`${pre} 'check' '--read-data'`);
    expect(render(checkCmd(repo, 3))).toBe(`${pre} 'check' '--read-data-subset=3/7'`);
    expect(() => checkCmd(repo, 8)).toThrow(/subset/);
    expect(render(dumpCmd(repo, 'abc', paths.dump, '/tmp/x'))).toBe(`{ ${pre} 'dump' 'abc' '${paths.dump}'; } > '/tmp/x'`);
    expect(render(dumpCmd(repo, 'abc', paths.dump, '/tmp/x', { noLock: true }))).toContain(`${pre} '--no-lock' 'dump'`);
    expect(render(restoreCmd(repo, 'abc', '/r', ['/a', '/b']))).toBe(
      `${pre} 'restore' 'abc' '--target' '/r' '--include' '/a' '--include' '/b'`,
    );
    expect(render(forgetCmd(repo, ['s1', 's2']))).toBe(`${pre} 'forget' '--prune' 's1' 's2'`);
    expect(render(checkCmd(repoOf(local, 'shop', paths)))).toBe(
      `'restic' '-r' '/mnt/backups/shop' '--password-file' '${paths.password}' '--no-cache' 'check' '--read-data'`,
    );
    for (const c of [backupCmd(repo, { slug: 'shop', runId: RUN }, ['/x']), checkCmd(repo)]) expect(render(c)).not.toContain('REPOKEY');
  });

  it('reaches the target with one quick rclone listing before any restic command, and says what failed', () => {
    const repo = repoOf(s3, 'shop', paths);
    const quick = `'--low-level-retries' '1' '--retries' '1' '--contimeout' '5s' '--timeout' '15s'`;
    expect(render(preflightCmd(repo))).toBe(
      `'env' 'RCLONE_CONFIG=${paths.rcloneConfig}' 'rclone' 'lsf' 't:backups/berth' '--max-depth' '2' '--files-only' '--include' '/shop/config' ${quick}`,
    );
    expect(render(preflightCmd(repoOf(local, 'shop', paths)))).toBe(`'test' '-f' '/mnt/backups/shop/config'`);
    expect(render(snapshotFilesCmd(repo))).toContain(`'rclone' 'lsf' 't:backups/berth/shop/snapshots' ${quick}`);
    const ok = (stdout: string) => preflightOutcome(s3, repo, { code: 0, stdout, stderr: '' });
    expect(ok('shop/config\n')).toEqual({ exists: true });
    expect(ok('')).toEqual({ exists: false });
    expect(preflightOutcome(local, repoOf(local, 'shop', paths), { code: 1, stdout: '', stderr: '' })).toEqual({ exists: false });
    const failed = (code: number, stderr: string, settings: typeof s3 | typeof sftp = s3) =>
      (preflightOutcome(settings, repo, { code, stdout: '', stderr }) as { problem: string }).problem;
    const log = '2026/12/07 17:45:21 ERROR : : error listing: ';
    expect(
      failed(
        1,
        `${log}RequestError: send request failed\ncaused by: Get "http://x/": dial tcp 127.0.0.1:4698: connect: connection refused\n`,
      ),
    ).toBe(
      'The target is unreachable (S3 bucket backups/berth at http://127.0.0.1:4601): error listing: RequestError: send request failed caused by: Get "http://x/": dial tcp 127.0.0.1:4698: connect: connection refused',
    );
    const refused = `${log}SignatureDoesNotMatch: no match\n\tstatus code: 403\n2026/12/07 17:45:21 Failed to lsf with 2 errors: last error was: error in ListJSON: SignatureDoesNotMatch: no match\n\tstatus code: 403, request id: \n`;
    expect(failed(1, refused)).toBe(
      'The target refused the credentials (S3 bucket backups/berth at http://127.0.0.1:4601): error in ListJSON: SignatureDoesNotMatch: no match status code: 403, request id:',
    );
    expect(failed(3, `${log}directory not found\n`)).toMatch(/^The bucket does not exist .*directory not found$/);
    expect(failed(3, `${log}directory not found\n`, sftp)).toMatch(
      /^The path does not exist on the target \(SFTP u1@box.example:23, path data\)/,
    );
    expect(failed(1, 'ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey]\n', sftp)).toMatch(
      /^The target refused the credentials/,
    );
  });

  it('takes the full snapshot id from the snapshot files on the target', () => {
    const a = `96f9dc5d${'0'.repeat(56)}`;
    expect(fullSnapshotId(`${'1'.repeat(64)}\n${a}\n`, '96f9dc5d')).toBe(a);
    expect(() => fullSnapshotId(`${'1'.repeat(64)}\n`, '96f9dc5d')).toThrow(/not in the repository/);
  });

  it("reads restic's JSON summary", () => {
    const out =
      '{"message_type":"status","percent_done":0}\n{"message_type":"summary","files_new":1,"data_added":1061,"total_files_processed":3,"total_bytes_processed":6,"snapshot_id":"96f9dc5d"}\n';
    expect(parseBackupSummary(out)).toEqual({ snapshotId: '96f9dc5d', bytes: 6, added: 1061, files: 3 });
    expect(() => parseBackupSummary('{"message_type":"status"}\n')).toThrow(/no summary/);
  });
});

describe('the Postgres side', () => {
  it('names scratch, restored and kept databases within Postgres limits', () => {
    expect(scratchName('app_shop', RUN)).toBe('app_shop_drill_0f1e2d3c');
    expect(restoredName('app_shop', RUN)).toBe('app_shop_restore_0f1e2d3c');
    expect(keptName('app_shop', new Date('2026-01-02T03:04:05.678Z'))).toBe('app_shop_before_20260102030405');
  });

  it('counts rows from the COPY blocks and in the restored database', () => {
    const grep = [
      '25:COPY public.notes (id, body) FROM stdin;',
      '27:COPY public.notes looks like a row',
      '29:\\.',
      '36:COPY public."Odd" (x) FROM stdin;',
      '37:\\.',
      '41:-- PostgreSQL database dump complete',
    ].join('\n');
    expect(parseCounts(`${grep}\n`)).toEqual({ 'public.notes': 3, 'public."Odd"': 0 });
    expect(() => parseCounts(grep.split('\n').slice(0, 3).join('\n'))).toThrow(/ends before its data/);
    // Laravel's cache table: a text key first, so a row can start with "COPY " (and look like the end of a dump).
    const cache = [
      '10:COPY public.cache (key, value, expiration) FROM stdin;',
      '11:COPY public.users (id) FROM stdin;\tx\t1',
      '12:-- PostgreSQL database dump complete',
      '14:\\.',
      '20:COPY public.users (id) FROM stdin;',
      '21:\\.',
      '30:-- PostgreSQL database dump complete',
    ].join('\n');
    expect(parseCounts(cache)).toEqual({ 'public.cache': 3, 'public.users': 0 });
    // The rendered pipeline itself (real bash and grep; pg_restore stands in, printing a dump's data).
    const dir = mkdtempSync(join(tmpdir(), 'berth-count-'));
    writeFileSync(join(dir, 'pg_restore'), '#!/bin/sh\ncat "$4"\n', { mode: 0o755 });
    const data =
      'SET x = 1;\nCOPY public.cache (key, value) FROM stdin;\nCOPY public.users (id) FROM stdin;\tv\n\\\\.\tescaped\n\\.\n\n-- PostgreSQL database dump complete\n\n';
    writeFileSync(join(dir, 'data.sql'), data);
    const out = execFileSync('bash', ['-c', render(countRowsInDump(join(dir, 'data.sql')))], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    });
    expect(parseCounts(out)).toEqual({ 'public.cache': 2 });
    expect(countSql(['public.notes', 'public."Odd"'])).toBe(
      `SELECT 'public.notes', count(*) FROM public.notes\nUNION ALL SELECT 'public."Odd"', count(*) FROM public."Odd";\n`,
    );
    expect(() => countSql(['public.x; DROP TABLE y'])).toThrow(/table name/);
    expect(parseCountRows('public.notes|3\n')).toEqual({ 'public.notes': 3 });
  });

  it('swaps names with the live database closed to new sessions, both renames in one transaction', () => {
    const sql = swapSql('app_shop', 'app_shop_restore_0f1e2d3c', 'app_shop_before_20260102030405');
    expect(sql).toContain('ALTER DATABASE "app_shop" ALLOW_CONNECTIONS false;');
    expect(sql).toContain(
      'BEGIN;\nALTER DATABASE "app_shop" RENAME TO "app_shop_before_20260102030405";\nALTER DATABASE "app_shop_restore_0f1e2d3c" RENAME TO "app_shop";\nCOMMIT;',
    );
    expect(() => swapSql('app_shop"; DROP', 'x', 'y')).toThrow(/database name/);
    // What follows the COMMIT is sent on its own: its failure is a warning.
    expect(sql.trimEnd().endsWith('COMMIT;')).toBe(true);
  });

  it('restores as the app role into a database it owns, never running the dump as the superuser', () => {
    const r = render(restoreInto(ADMIN_PSQL.socket, '/w/d.dump', 'app_shop_drill_0f1e2d3c', { role: 'app_shop', keepAcl: false }));
    expect(r).toContain(`'pg_restore'\\'' '\\''--no-owner'\\'' '\\''--role=app_shop'\\'' '\\''--no-acl'\\''`);
    expect(render(restoreInto(ADMIN_PSQL.socket, '/w/d.dump', 'app_shop', { role: 'app_shop', keepAcl: true }))).not.toContain('--no-acl');
    expect(() => restoreInto(ADMIN_PSQL.socket, '/w/d.dump', 'app_shop', { role: 'postgres', keepAcl: true })).toThrow(/name/);
    expect(createDatabaseSql('app_shop_drill_0f1e2d3c', 'app_shop')).toBe(
      'CREATE DATABASE "app_shop_drill_0f1e2d3c" OWNER "app_shop";\nREVOKE ALL ON DATABASE "app_shop_drill_0f1e2d3c" FROM PUBLIC;\nGRANT CONNECT, TEMPORARY ON DATABASE "app_shop_drill_0f1e2d3c" TO "app_shop";\n',
    );
  });

  it('builds roles.sql from the catalog, quoted by Postgres, with no privilege beyond an app role', () => {
    const sql = roleSql('app_shop');
    expect(sql).toContain("format('CREATE ROLE %I;', rolname)");
    expect(sql).toContain('quote_literal(rolpassword)');
    expect(sql).toContain("format('ALTER ROLE %I SET %I TO %s;'");
    expect(sql).toContain('NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS');
    expect(sql).toContain("rolname = 'app_shop'");
    expect(() => roleSql("app_x' OR true --")).toThrow(/name/);
  });
});
