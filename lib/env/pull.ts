import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '@/db';
import { findApp, placementsOfApp } from '@/db/queries/apps';
import type { EnvChange } from '@/db/schema';
import { appLayout } from '@/lib/plan/app-layout';
import { ActionError } from '@/lib/auth/action-core';
import type { KeyRing } from '@/lib/crypto';
import { asUser, cmd } from '@/lib/remote/command';
import { closeConnection } from '@/lib/remote/connection';
import { recordServerFailure } from '@/lib/servers/failures';
import { connectTransport, targetOf } from '@/lib/servers/remote';
import { parseDotenv } from '@/lib/model/dotenv';
import { currentEnv, diffEnv, saveEnv, type SaveOutcome } from './store';

/** Larger than any real .env; the editor's paste has the same bound. */
const MAX_BYTES = 1024 * 1024;
const READ_TIMEOUT_MS = 15_000;

// One random key per panel process (on globalThis: Next may load this module more than once).
// A preview's token is only good in the process that made it, until it restarts: then preview again.
const slot = globalThis as typeof globalThis & { __berthEnvPullKey?: Buffer };
const tokenKey = () => (slot.__berthEnvPullKey ??= randomBytes(32));

/** Binds a confirm to what the preview saw: this app, this server, these exact file bytes, this saved revision. */
function pullToken(appId: string, serverId: string, file: Buffer, revision: number): string {
  const head = JSON.stringify(['berth-env-pull', appId, serverId, revision, file.length]);
  return createHmac('sha256', tokenKey()).update(head).update('\n').update(file).digest('base64url');
}

/**
 * shared/.env of one of the app's servers, read AS THE APP USER (a link the app user planted
 * there cannot make root read another app's file into this one), over a connection of its own
 * that is closed after, so a job using the server's shared connection is never disturbed.
 */
async function readServerEnv(db: Db, ring: KeyRing, appId: string, serverId: string): Promise<{ serverName: string; file: Buffer }> {
  const app = await findApp(db, appId);
  if (!app) throw new ActionError('That app does not exist.');
  const server = (await placementsOfApp(db, appId)).find((p) => p.server.id === serverId)?.server;
  if (!server) throw new ActionError('That server does not run this app.');
  if (server.hostKeyMismatchAt) throw new ActionError(`${server.name}'s host key changed: nothing runs there until an admin re-pins it.`);
  const l = appLayout(app.config.slug);
  const path = `${l.shared}/.env`;
  const id = `env-pull:${server.id}`;
  try {
    const transport = await connectTransport({ ...targetOf(server, ring), id }, { readyTimeoutMs: READ_TIMEOUT_MS });
    const read = await transport.exec(asUser(l.user, cmd('head', '-c', MAX_BYTES + 1, '--', path)), {
      okExitCodes: [0, 1],
      timeoutMs: READ_TIMEOUT_MS,
    });
    if (read.code !== 0) {
      if (/No such file/.test(read.stderr)) throw new ActionError(`${server.name} has no ${path}: nothing to pull.`);
      throw new ActionError(`Could not read ${path} on ${server.name}: ${read.stderr.trim().split('\n').pop()}`);
    }
    const file = Buffer.from(read.stdout, 'utf8');
    if (file.length > MAX_BYTES)
      throw new ActionError(`${path} on ${server.name} is larger than ${MAX_BYTES / 1024} KB: not a .env Berth imports.`);
    return { serverName: server.name, file };
  } catch (err) {
    if (err instanceof ActionError) throw err;
    throw new ActionError(await recordServerFailure(db, server, err));
  } finally {
    await closeConnection(id);
  }
}

function parseFile(serverName: string, file: Buffer): Record<string, string> {
  const parsed = parseDotenv(file.toString('utf8'));
  if (!parsed.ok)
    throw new ActionError(`shared/.env on ${serverName} is not a .env Berth can import (${parsed.message}). Nothing was saved.`);
  return Object.fromEntries(parsed.entries.map((e) => [e.key, e.value]));
}

export type PullPreview = {
  /** The saved revision the changes are relative to. */
  revision: number;
  /** How many keys the server's file has. */
  keys: number;
  /** Keys only: what saving the server's file would add, change or remove. */
  changes: EnvChange[];
  /** Hands to confirmPull; proves the file and the saved revision are unchanged without the values leaving the server. */
  token: string;
};

/** What importing a server's shared/.env would change, by key. Nothing is saved; no value is returned. */
export async function previewPull(db: Db, ring: KeyRing, appId: string, serverId: string): Promise<PullPreview> {
  const { serverName, file } = await readServerEnv(db, ring, appId, serverId);
  const pulled = parseFile(serverName, file);
  const saved = await currentEnv(db, ring, appId);
  return {
    revision: saved.revision,
    keys: Object.keys(pulled).length,
    changes: diffEnv(saved.values, pulled),
    token: pullToken(appId, serverId, file, saved.revision),
  };
}

/**
 * Saves the server's shared/.env as a new revision (source "pull"), exactly what the preview
 * showed: the file is read again, and the token must match it and the revision saved now.
 */
export async function confirmPull(
  db: Db,
  ring: KeyRing,
  appId: string,
  serverId: string,
  token: string,
  userId: number,
): Promise<SaveOutcome> {
  const { serverName, file } = await readServerEnv(db, ring, appId, serverId);
  const saved = await currentEnv(db, ring, appId);
  const expected = Buffer.from(pullToken(appId, serverId, file, saved.revision));
  const given = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ActionError('The file or the saved environment changed since the preview; preview again.');
  }
  const pulled = parseFile(serverName, file);
  return saveEnv(db, ring, appId, pulled, { source: 'pull', createdBy: userId, pulledFrom: serverId, baseRevision: saved.revision });
}
