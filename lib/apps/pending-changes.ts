import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { Db } from '@/db';
import { listApps, rolesOnServer, serversOfApp } from '@/db/queries/apps';
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

/**
 * Every file configure manages for these apps on one server, compared with what the server has:
 * ONE round trip however many apps (rule 5). Returns each app's files, in the order given.
 */
export async function pendingOnServerForApps(transport: Transport, contexts: ConfigureContext[]): Promise<PendingFile[][]> {
  const paths = contexts.flatMap((ctx) => planAppOnServer(ctx).files.map((f) => f.path));
  const current = await readFiles(transport, [...new Set(paths)]);
  return contexts.map((ctx) => {
    // A process app's files depend on its live slot, which the live-slot file just read names.
    const liveSlot = ctx.liveSlot ?? parseLiveSlot(current.get(webSlots(ctx.app.slug).livePath));
    return planAppOnServer({ ...ctx, liveSlot }).files.map((f) => compareFile(f, current.get(f.path) ?? null));
  });
}

/** Every file configure manages for the app on this server, compared with what the server has: one round trip. */
export async function pendingOnServer(transport: Transport, ctx: ConfigureContext): Promise<PendingFile[]> {
  const [files] = await pendingOnServerForApps(transport, [ctx]);
  return files!;
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

export type ServerPlanView =
  | { serverId: string; serverName: string; ok: true; apps: { appId: string; slug: string; files: PendingFile[] }[]; ms: number }
  | { serverId: string; serverName: string; ok: false; error: string };

/**
 * The plan of whole servers: for each server, every app placed there against what the server
 * has, in one connection and one read per server. What a definition's apply would make the
 * configure runs do, server by server; a server that cannot be reached reports its error.
 */
export async function pendingOnServers(db: Db, ring: KeyRing, servers: Server[]): Promise<ServerPlanView[]> {
  const apps = await listApps(db);
  return Promise.all(
    servers.map(async (server): Promise<ServerPlanView> => {
      const base = { serverId: server.id, serverName: server.name };
      const started = performance.now();
      try {
        const placed = [];
        for (const app of apps) if ((await rolesOnServer(db, app.id, server.id)).length) placed.push(app);
        const contexts = await Promise.all(placed.map((app) => configureContextFor(db, app, server)));
        const transport = await transportFor(server, ring);
        const files = await pendingOnServerForApps(transport, contexts);
        return {
          ...base,
          ok: true,
          apps: placed.map((a, i) => ({ appId: a.id, slug: a.slug, files: files[i]! })),
          ms: Math.round(performance.now() - started),
        };
      } catch (err) {
        return { ...base, ok: false, error: await recordServerFailure(db, server, err) };
      }
    }),
  );
}
