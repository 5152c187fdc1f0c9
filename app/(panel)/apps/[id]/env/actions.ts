'use server';

import { z } from 'zod';
import { opaqueText, singleLine } from '@/lib/model/text';
import { findApp } from '@/db/queries/apps';
import type { EnvChange } from '@/db/schema';
import { ActionError, type ActionContext } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { requireRecentLogin } from '@/lib/auth/recent-login';
import { parseDotenv } from '@/lib/model/dotenv';
import { editorRowsField, envFromRows } from '@/lib/env/editor-input';
import { confirmPull, previewPull } from '@/lib/env/pull';
import { requestEnvPush } from '@/lib/env/push';
import { currentEnv, EnvConflictError, openEnvRevision, saveEnv, type SaveMeta } from '@/lib/env/store';
import { revealEnvValue } from '@/lib/env/reveal';
import { getRuntime } from '@/lib/runtime';

const appId = z.uuid('Unknown app');
const revisionNumber = z.coerce.number().int().min(0);

/** The app must exist; the audit row names it whatever happens next. */
async function appFor(ctx: ActionContext, id: string) {
  ctx.setTarget(`app:${id}`);
  const app = await findApp(ctx.db, id);
  if (!app) throw new ActionError('That app does not exist.');
  return app;
}

/** Saves through the one store path; a stale editor gets the conflict message, not an overwrite. Keys only go to the audit row. */
async function save(ctx: ActionContext, id: string, values: Record<string, string>, meta: Omit<SaveMeta, 'createdBy'>) {
  try {
    const outcome = await saveEnv(ctx.db, getRuntime().keyRing, id, values, { ...meta, createdBy: ctx.user.id });
    ctx.setDetails({ revision: outcome.revision, ...keysByKind(outcome.changes) });
    return outcome.changes.length ? outcome : { ...outcome, notice: 'Nothing changed: no new revision.' };
  } catch (err) {
    if (err instanceof EnvConflictError) throw new ActionError(err.message);
    throw err;
  }
}

function keysByKind(changes: EnvChange[]) {
  const of = (kind: EnvChange['kind']) => changes.filter((c) => c.kind === kind).map((c) => c.key);
  return { added: of('added'), changed: of('changed'), removed: of('removed') };
}

/** The editor's table: every row is checked before anything is written. */
export const saveEnvAction = authedAction(
  { audit: 'app.env.save', role: 'deployer', schema: z.object({ appId, baseRevision: revisionNumber, rows: editorRowsField }) },
  async (input, ctx) => {
    await appFor(ctx, input.appId);
    const stored = await currentEnv(ctx.db, getRuntime().keyRing, input.appId);
    return save(ctx, input.appId, envFromRows(input.rows, stored.values), { source: 'edit', baseRevision: input.baseRevision });
  },
);

/** A pasted .env: its keys are set (added or replaced); keys it does not name stay. A syntax error names the line. */
export const importEnvAction = authedAction(
  {
    audit: 'app.env.import',
    role: 'deployer',
    schema: z.object({
      appId,
      baseRevision: revisionNumber,
      text: opaqueText(1024 * 1024).min(1, 'Paste a .env file'),
    }),
  },
  async (input, ctx) => {
    await appFor(ctx, input.appId);
    const parsed = parseDotenv(input.text);
    if (!parsed.ok) throw new ActionError(`Nothing was saved: ${parsed.message}`, { text: [parsed.message] });
    const stored = await currentEnv(ctx.db, getRuntime().keyRing, input.appId);
    const pasted = Object.fromEntries(parsed.entries.map((e) => [e.key, e.value]));
    return save(ctx, input.appId, { ...stored.values, ...pasted }, { source: 'paste', baseRevision: input.baseRevision });
  },
);

/** Brings back an earlier revision's values as a new revision (nothing is rewritten in history). */
export const restoreEnvAction = authedAction(
  { audit: 'app.env.restore', role: 'deployer', schema: z.object({ appId, number: revisionNumber.min(1), baseRevision: revisionNumber }) },
  async (input, ctx) => {
    await appFor(ctx, input.appId);
    const snapshot = await openEnvRevision(ctx.db, getRuntime().keyRing, input.appId, input.number).catch(() => {
      throw new ActionError(`Revision ${input.number} does not exist.`);
    });
    return save(ctx, input.appId, snapshot.values, { source: 'restore', restoredFrom: input.number, baseRevision: input.baseRevision });
  },
);

/**
 * The one response that carries a value in the clear: one key, now or at a revision, for a
 * deployer who signed in (or confirmed their password) in the last 10 minutes. Audited.
 */
export const revealEnvAction = authedAction(
  { audit: 'app.env.reveal', role: 'deployer', schema: z.object({ appId, key: singleLine(200), revision: revisionNumber.optional() }) },
  async (input, ctx) => {
    await appFor(ctx, input.appId);
    ctx.setDetails({ key: input.key, revision: input.revision ?? 'current' });
    await requireRecentLogin();
    return { key: input.key, value: await revealEnvValue(ctx.db, getRuntime().keyRing, input.appId, input.key, input.revision) };
  },
);

/** Writes the saved revision to shared/.env on every server (or, retrying, only where it is not yet). */
export const pushEnvAction = authedAction(
  { audit: 'app.env.push', role: 'deployer', schema: z.object({ appId, onlyPending: z.enum(['on', 'off']).default('off') }) },
  async (input, ctx) => {
    await appFor(ctx, input.appId);
    const pushed = await requestEnvPush(ctx.db, input.appId, ctx.user.id, { onlyPending: input.onlyPending === 'on' }).catch(
      (err: Error) => {
        throw new ActionError(err.message);
      },
    );
    ctx.setDetails({ revision: pushed.revision, servers: pushed.runs.length, busy: pushed.busy });
    return {
      ...pushed,
      ...(pushed.busy.length > 0 && { notice: `Busy, not pushed: ${pushed.busy.join(', ')}. Retry when their runs end.` }),
    };
  },
);

const pullInput = z.object({ appId, serverId: z.uuid('Choose a server') });

/** What importing a server's shared/.env would change, by key: values stay on the panel. */
export const previewPullAction = authedAction(
  { audit: 'app.env.pull-preview', role: 'deployer', schema: pullInput },
  async (input, ctx) => {
    await appFor(ctx, input.appId);
    const preview = await previewPull(ctx.db, getRuntime().keyRing, input.appId, input.serverId).catch((err: Error) => {
      throw new ActionError(err.message);
    });
    return { serverId: input.serverId, ...preview };
  },
);

export const confirmPullAction = authedAction(
  { audit: 'app.env.pull', role: 'deployer', schema: pullInput.extend({ token: singleLine(200).min(1) }) },
  async (input, ctx) => {
    await appFor(ctx, input.appId);
    const outcome = await confirmPull(ctx.db, getRuntime().keyRing, input.appId, input.serverId, input.token, ctx.user.id).catch(
      (err: Error) => {
        throw new ActionError(err.message);
      },
    );
    ctx.setDetails({ revision: outcome.revision, ...keysByKind(outcome.changes) });
    return outcome;
  },
);
