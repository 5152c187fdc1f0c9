import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { Db } from '@/db';
import { serversOfApp } from '@/db/queries/apps';
import type { App, Server } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import type { ConfigureContext } from '@/lib/recipes/configure';
import { planAppOnServer, type DesiredFile } from '@/lib/plan';
import { parseLiveSlot, webSlots } from '@/lib/plan/web-slots';
import type { Transport } from '@/lib/remote/transport';
import { recordServerFailure } from '@/lib/servers/failures';
import { transportFor } from '@/lib/servers/remote';
import { configureContextFor } from './configure-context';
import { readFiles } from './read-files';

export type FileStatus = 'create' | 'update' | 'remove' | 'same';
export type PendingFile = { path: string; status: FileStatus; diff: string };
export type ServerPending =
  | { serverId: string; serverName: string; ok: true; files: PendingFile[]; ms: number }
  | { serverId: string; serverName: string; ok: false; error: string };

/** What configure would do to one file: the same equality ensureFile uses (exact text). */
export function classify(current: string | null, desired: string | null): FileStatus {
  if (current === desired) return 'same';
  if (current === null) return 'create';
  if (desired === null) return 'remove';
  return 'update';
}

/** One file's status and unified diff (server → Berth), git-style names, /dev/null for a missing side. */
export function compareFile(file: Pick<DesiredFile, 'path' | 'content' | 'sensitive'>, current: string | null): PendingFile {
  const status = classify(current, file.content);
  if (status === 'same') return { path: file.path, status, diff: '' };
  if (file.sensitive) return { path: file.path, status, diff: '(contents hidden: this file holds a secret)' };
  const from = current === null ? '/dev/null' : `a${file.path}`;
  const to = file.content === null ? '/dev/null' : `b${file.path}`;
  const diff = createTwoFilesPatch(from, to, current ?? '', file.content ?? '', 'on the server', 'Berth would write', {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
  return { path: file.path, status, diff };
}

/** Every file configure manages for the app on this server, compared with what the server has: one round trip. */
export async function pendingOnServer(transport: Transport, ctx: ConfigureContext): Promise<PendingFile[]> {
  const paths = planAppOnServer(ctx).files.map((f) => f.path);
  const current = await readFiles(transport, paths);
  // A process app's files depend on its live slot, which the live-slot file just read names.
  const { files } = planAppOnServer({ ...ctx, liveSlot: ctx.liveSlot ?? parseLiveSlot(current.get(webSlots(ctx.app.slug).livePath)) });
  return files.map((f) => compareFile(f, current.get(f.path) ?? null));
}

async function checkServer(db: Db, ring: KeyRing, app: App, server: Server): Promise<ServerPending> {
  const base = { serverId: server.id, serverName: server.name };
  if (server.hostKeyMismatchAt)
    return { ...base, ok: false, error: 'The host key changed: nothing runs on this server until an admin re-pins it.' };
  const started = performance.now();
  try {
    const transport = await transportFor(server, ring);
    // No key ring passed: the context then opens nothing from the sealed store (data-service credentials).
    const files = await pendingOnServer(transport, await configureContextFor(db, app, server));
    return { ...base, ok: true, files, ms: Math.round(performance.now() - started) };
  } catch (err) {
    // Operator-facing (ConnectError / RemoteError are already redacted); a changed host key is recorded and audited.
    return { ...base, ok: false, error: await recordServerFailure(db, server, err) };
  }
}

/**
 * The "pending changes" view: per server of the app, what configure would change. Servers are
 * checked in parallel (one connection each); one that cannot be reached reports its error and
 * the others still show. Read-only on the servers.
 */
export async function pendingChanges(db: Db, ring: KeyRing, app: App): Promise<ServerPending[]> {
  const servers = await serversOfApp(db, app.id);
  return Promise.all(servers.map((s) => checkServer(db, ring, app, s)));
}
