import { z } from 'zod';
import { trimmedLine } from '@/lib/model/text';
import { findApp, findAppBySlug } from '@/db/queries/apps';
import { findRelease } from '@/db/queries/releases';
import { findServer, findServerByName } from '@/db/queries/servers';
import type { App, Release, Server } from '@/db/schema';
import { ActionError, type ActionContext } from '@/lib/auth/action-core';

// API paths name things the way the CLI's user does (an app's slug, a server's name) or by id.

const isUuid = (ref: string) => z.uuid().safeParse(ref).success;
const notFound = (what: string) => new ActionError(what, undefined, 'not_found');

export const refInput = trimmedLine(200).min(1);

export async function appByRef(ctx: ActionContext, ref: string): Promise<App> {
  const app = isUuid(ref) ? await findApp(ctx.db, ref) : await findAppBySlug(ctx.db, ref);
  if (!app) throw notFound(`No app "${ref}".`);
  ctx.setTarget(`app:${app.id}`);
  return app;
}

export async function serverByRef(ctx: ActionContext, ref: string): Promise<Server> {
  const server = isUuid(ref) ? await findServer(ctx.db, ref) : await findServerByName(ctx.db, ref);
  if (!server) throw notFound(`No server "${ref}".`);
  ctx.setTarget(`server:${server.id}`);
  return server;
}

export async function releaseById(ctx: ActionContext, id: string): Promise<Release> {
  const release = isUuid(id) ? await findRelease(ctx.db, id) : undefined;
  if (!release) throw notFound(`No release "${id}".`);
  ctx.setTarget(`release:${release.id}`);
  return release;
}

/** Where a client follows a release: its page and its event stream. */
export function releaseLinks(release: Release) {
  return {
    page: `/apps/${release.appId}/releases/${release.id}`,
    events: `/api/v1/releases/${release.id}/events`,
  };
}
