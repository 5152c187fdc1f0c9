import { z } from 'zod';
import { listApps, placementsOfApp } from '@/db/queries/apps';
import { liveDeploy } from '@/db/queries/releases';
import { listServers } from '@/db/queries/servers';
import type { Server } from '@/db/schema';
import { requestConfigure } from '@/lib/apps/manage';
import { requestProvision } from '@/lib/servers/requests';
import { enqueue } from '@/lib/runtime';
import { apiOperation } from '../endpoint';
import { appByRef, refInput, serverByRef } from '../lookup';

/** A server as the API shows it: where it is and whether it is ready (no key material). */
function serverView(s: Server) {
  const state = s.hostKeyMismatchAt
    ? 'host-key-changed'
    : !s.privateKeySealed
      ? 'needs-key'
      : !s.hostKeyFingerprint
        ? 'unpinned'
        : !s.provisionedAt
          ? 'not-provisioned'
          : 'ready';
  return { id: s.id, name: s.name, host: s.host, state, lastSeenAt: s.lastSeenAt, lastError: s.lastError };
}

export const listServersOp = apiOperation({
  audit: 'api.servers.list',
  role: 'viewer',
  schema: z.object({}),
  run: async (_input, ctx) => (await listServers(ctx.db)).map(serverView),
});

export const listAppsOp = apiOperation({
  audit: 'api.apps.list',
  role: 'viewer',
  schema: z.object({}),
  run: async (_input, ctx) =>
    Promise.all(
      (await listApps(ctx.db)).map(async (app) => {
        const live = await liveDeploy(ctx.db, app.id);
        const placements = await placementsOfApp(ctx.db, app.id);
        return {
          id: app.id,
          slug: app.slug,
          name: app.name,
          kind: app.config.kind,
          servers: placements.map((p) => ({ name: p.server.name, roles: p.roles })),
          live: live ? { number: live.number, sha: live.sha, finishedAt: live.finishedAt } : null,
        };
      }),
    ),
});

export const provisionOp = apiOperation({
  audit: 'server.provision',
  role: 'admin',
  status: 202,
  schema: z.object({ server: refInput, retry: z.boolean().default(false) }),
  run: async (input, ctx) => {
    const server = await serverByRef(ctx, input.server);
    const run = await requestProvision(ctx.db, enqueue, server.id, ctx.user.id, input.retry);
    ctx.setDetails({ runId: run.id });
    return { runId: run.id, server: server.name };
  },
});

export const configureOp = apiOperation({
  audit: 'app.configure',
  role: 'admin',
  status: 202,
  schema: z.object({ app: refInput }),
  run: async (input, ctx) => {
    const app = await appByRef(ctx, input.app);
    const { runs, busy } = await requestConfigure(ctx.db, enqueue, app.id, ctx.user.id);
    return { runs: runs.map((r) => ({ runId: r.id, serverId: r.serverId })), busy };
  },
});
