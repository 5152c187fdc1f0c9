import { z } from 'zod';
import { opaqueText } from '@/lib/model/text';
import type { EnvChange } from '@/db/schema';
import { ActionError } from '@/lib/auth/action-core';
import { requestEnvPush } from '@/lib/env/push';
import { currentEnv, EnvConflictError, saveEnv } from '@/lib/env/store';
import { parseDotenv, serializeDotenv } from '@/lib/model/dotenv';
import { getRuntime } from '@/lib/runtime';
import { apiOperation } from '../endpoint';
import { appByRef, refInput } from '../lookup';

const keysOf = (changes: EnvChange[], kind: EnvChange['kind']) => changes.filter((c) => c.kind === kind).map((c) => c.key);

/**
 * `berth env push`: a .env file becomes a new revision, then goes to the app's servers.
 * By default its keys are set and others stay (the editor's paste); with `replace`, keys the
 * file does not name are removed, except the credentials Berth generated (removing those would
 * make the next configure mint new ones). Only key names reach the response and the audit row.
 */
export const envPushOp = apiOperation({
  audit: 'app.env.push',
  role: 'deployer',
  status: 202,
  schema: z.object({
    app: refInput,
    text: opaqueText(1024 * 1024),
    replace: z.boolean().default(false),
    push: z.boolean().default(true),
    baseRevision: z.number().int().min(0).optional(),
  }),
  run: async (input, ctx) => {
    const app = await appByRef(ctx, input.app);
    const parsed = parseDotenv(input.text);
    if (!parsed.ok) throw new ActionError(`Nothing was saved: ${parsed.message}`, { text: [parsed.message] }, 'invalid_input');
    const ring = getRuntime().keyRing;
    const stored = await currentEnv(ctx.db, ring, app.id);
    const file = Object.fromEntries(parsed.entries.map((e) => [e.key, e.value]));
    const kept = input.replace ? Object.fromEntries(stored.managed.map((k) => [k, stored.values[k]!])) : stored.values;
    const saved = await saveEnv(
      ctx.db,
      ring,
      app.id,
      { ...kept, ...file },
      { source: 'api', createdBy: ctx.user.id, baseRevision: input.baseRevision },
    ).catch((err) => {
      throw err instanceof EnvConflictError ? new ActionError(err.message, undefined, 'conflict') : err;
    });
    const changes = {
      added: keysOf(saved.changes, 'added'),
      changed: keysOf(saved.changes, 'changed'),
      removed: keysOf(saved.changes, 'removed'),
    };
    ctx.setDetails({ revision: saved.revision, ...changes });
    if (!input.push) return { revision: saved.revision, changes, pushed: null, notPushed: null };
    // The revision is saved either way; a push refused now (a release is running) is reported, not undone.
    try {
      const pushed = await requestEnvPush(ctx.db, app.id, ctx.user.id, { onlyPending: false });
      return { revision: saved.revision, changes, pushed: { runs: pushed.runs, busy: pushed.busy }, notPushed: null };
    } catch (err) {
      if (!(err instanceof ActionError)) throw err;
      return { revision: saved.revision, changes, pushed: null, notPushed: err.message };
    }
  },
});

/**
 * `berth env pull`: the saved environment as a .env file. This carries every value in the
 * clear, so it needs the role Reveal needs, and the audit row names the revision and the keys.
 */
export const envPullOp = apiOperation({
  audit: 'app.env.download',
  role: 'deployer',
  schema: z.object({ app: refInput }),
  run: async (input, ctx) => {
    const app = await appByRef(ctx, input.app);
    const env = await currentEnv(ctx.db, getRuntime().keyRing, app.id);
    ctx.setDetails({ revision: env.revision, keys: Object.keys(env.values) });
    return { revision: env.revision, text: serializeDotenv(env.values) };
  },
});
