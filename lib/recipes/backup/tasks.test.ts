import { describe, expect, it, vi } from 'vitest';
import { backupPolicyInput } from '@/lib/model/backup-policy';
import { LOCK_BUSY_EXIT } from '@/lib/remote/command';
import type { ExecOptions, ExecResult } from '@/lib/remote/transport';
import type { Command } from '@/lib/remote/command';
import { RecordingTransport, type Responder } from '@/test-support/recording-transport';
import type { BackupContext, BackupManifest } from './context';
import { drillDatabase, drillFiles } from './drill';
import { files } from './files';
import { forget } from './forget';
import { restoreDatabase, restoreFiles } from './restore';
import { repoOf, runPaths } from './restic';

// The tasks' decisions with a scripted server: what fails the run, what is only a warning, and
// that cleanup runs even when the job's signal has fired. Against real servers:
// lib/backups/engine-s3.integration.test.ts.
const RUN = '0f1e2d3c-4b5a-6978-8a9b-aabbccddeeff';
const SRC = '11111111-2222-3333-4444-555555555555';
const SHA = 'a'.repeat(64);
const s3 = { kind: 's3', endpoint: 'http://127.0.0.1:4601', region: '', bucket: 'b', accessKeyId: 'AKID' } as const;

/** A transport that, like the real one, refuses work under an aborted signal. */
class SignalTransport extends RecordingTransport {
  override async exec(command: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    if (opts.signal?.aborted) throw new Error('aborted');
    return super.exec(command, opts);
  }
}

function context(over: Partial<BackupContext> & { manifest?: BackupManifest; files?: string[] } = {}): BackupContext {
  const paths = runPaths('shop', RUN);
  return {
    kind: 'drill',
    runId: RUN,
    slug: 'shop',
    policy: backupPolicyInput.parse({ name: 'daily', target: 's3', files: over.files ?? [] }),
    target: { settings: s3, credential: 'S', repoKey: 'K' },
    paths,
    repo: repoOf(s3, 'shop', paths),
    database: { database: 'app_shop', role: 'app_shop' },
    shared: '/var/www/shop/shared',
    configPaths: [],
    source: { runId: SRC, snapshotId: 'f'.repeat(64), manifest: over.manifest ?? {}, paths: runPaths('shop', SRC) },
    planForget: async () => ({ snapshotIds: [], runIds: [] }),
    markForgotten: async () => {},
    now: () => new Date('2026-01-02T03:04:05Z'),
    record: async () => {},
    out: { manifest: {}, detail: {} },
    ...over,
  };
}
const io = (transport: RecordingTransport, signal = new AbortController().signal) => ({ transport, log: () => {}, signal });
const withDump: BackupManifest = { dump: { sha256: SHA, bytes: 10, database: 'app_shop' }, tables: { 'public.t': 1 } };
/** Answers the read-back's checksum, the role check and the row count as a healthy server would. */
const healthy: Responder = (text, call) => {
  const stdin = call.kind === 'exec' ? (call.stdin ?? '') : '';
  if (text.includes('sha256sum')) return { stdout: `${SHA}\n` };
  if (stdin.includes('count(*)')) return { stdout: `${stdin.includes('pg_roles') ? '1' : 'public.t|1'}\n` };
  return undefined;
};

describe('backup tasks: what fails a run and what is cleaned up', () => {
  it('a drill that restores nothing fails; a dump the policy no longer covers fails too', async () => {
    const t = new RecordingTransport();
    const ctx = context();
    expect(await drillDatabase.run(ctx, io(t))).toMatchObject({ changed: false });
    await expect(drillFiles.run(ctx, io(t))).rejects.toThrow(/nothing to drill/);
    await expect(drillDatabase.run(context({ manifest: withDump, database: undefined }), io(t))).rejects.toThrow(
      /dump of app_shop, but the policy no longer covers/,
    );
  });

  it('drops the scratch database without the job signal: an aborted drill still cleans up, restored as the app role', async () => {
    const ac = new AbortController();
    const t = new SignalTransport('s', (text) => {
      if (text.includes("'pg_restore' '--no-owner'")) {
        ac.abort();
        return { code: 1, stderr: 'killed' };
      }
      return healthy(text, { kind: 'exec', command: text });
    });
    await expect(drillDatabase.run(context({ manifest: withDump }), io(t, ac.signal))).rejects.toThrow();
    const execs = t.calls.flatMap((c) => (c.kind === 'exec' ? [c] : []));
    expect(execs.find((c) => c.command.includes('pg_restore'))!.command).toContain("'--role=app_shop'");
    expect(execs.some((c) => c.stdin?.includes('CREATE DATABASE "app_shop_drill_0f1e2d3c" OWNER "app_shop"'))).toBe(true);
    expect(execs.at(-1)!.stdin).toBe('DROP DATABASE IF EXISTS "app_shop_drill_0f1e2d3c" WITH (FORCE);\n');
  });

  it('a busy release lock drops the restored database; a restore of a part that cannot run fails', async () => {
    const t = new RecordingTransport('s', (text, call) => (text.includes("'flock'") ? { code: LOCK_BUSY_EXIT } : healthy(text, call)));
    const ctx = context({ kind: 'restore', manifest: withDump, restore: { database: true, files: false } });
    await expect(restoreDatabase.run(ctx, io(t))).rejects.toThrow(/A release step is running.*not touched/);
    const last = t.calls.at(-1)!;
    expect(last.kind === 'exec' && last.stdin).toBe('DROP DATABASE IF EXISTS "app_shop_restore_0f1e2d3c" WITH (FORCE);\n');
    const noDb = context({ kind: 'restore', manifest: withDump, database: undefined, restore: { database: true, files: true } });
    await expect(restoreDatabase.run(noDb, io(t))).rejects.toThrow(/nothing to restore it into/);
    const onlyDb = context({ kind: 'restore', restore: { database: true, files: false } });
    await expect(restoreDatabase.run(onlyDb, io(t))).rejects.toThrow(/no database dump to restore/);
    const both = context({ kind: 'restore', restore: { database: true, files: true } });
    expect(await restoreDatabase.run(both, io(t))).toMatchObject({ changed: false });
    await expect(restoreFiles.run(both, io(t))).rejects.toThrow(/nothing to restore/);
  });

  it('a swap that committed before its psql failed is a warning, not a failed restore', async () => {
    const t = new RecordingTransport('s', (text, call) => {
      if (text.includes("'flock'")) return { code: 2, stderr: 'server closed the connection unexpectedly' };
      if (call.kind === 'exec' && call.stdin?.includes('FROM pg_database WHERE datname IN'))
        return { stdout: 'app_shop_before_20260102030405\n' };
      return healthy(text, call);
    });
    const ctx = context({ kind: 'restore', manifest: withDump, restore: { database: true, files: false } });
    expect(await restoreDatabase.run(ctx, io(t))).toMatchObject({ changed: true });
    expect(ctx.out.detail).toMatchObject({
      keptAs: 'app_shop_before_20260102030405',
      warning: expect.stringMatching(/^the swap committed/),
    });
  });

  it('a failing forget keeps the backup: a warning on the run, nothing marked forgotten', async () => {
    const t = new RecordingTransport('s', (text) => (text.includes("'forget'") ? { code: 1, stderr: 'unable to create lock' } : undefined));
    const markForgotten = vi.fn(async () => {});
    const ctx = context({ kind: 'backup', planForget: async () => ({ snapshotIds: ['s1'], runIds: ['r1'] }), markForgotten });
    expect(await forget.run(ctx, io(t))).toMatchObject({ changed: false, summary: expect.stringMatching(/^retention failed/) });
    expect(ctx.out.detail.retentionError).toMatch(/unable to create lock/);
    expect(markForgotten).not.toHaveBeenCalled();
  });

  it('a policy path missing on the server fails the files step naming it; an empty directory that is there does not', async () => {
    const t = new RecordingTransport('s', (text) =>
      text.includes("'-maxdepth' '0'") ? { code: 1, stdout: '/var/www/shop/shared/uploads\n', stderr: 'No such file' } : undefined,
    );
    await expect(files.run(context({ kind: 'backup', files: ['uploads', 'storage/app'] }), io(t))).rejects.toThrow(
      "the policy's path /var/www/shop/shared/storage/app does not exist on the server",
    );
    expect(await files.run(context({ kind: 'backup', files: ['uploads'] }), io(t))).toMatchObject({ changed: true });
  });
});
