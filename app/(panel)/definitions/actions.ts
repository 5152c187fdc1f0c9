'use server';

import { z } from 'zod';
import { multiLine, singleLine } from '@/lib/model/text';
import { findApp } from '@/db/queries/apps';
import { ActionError, authedAction } from '@/lib/auth/action';
import { enqueue, getRuntime } from '@/lib/runtime';
import { definitionText } from '@/lib/spec/compact';
import { planOp } from '@/lib/api/ops/definitions';
import { applyText } from '@/lib/spec/definitions';
import { exportApp, exportFleet } from '@/lib/spec/export';
import { MAX_DEFINITION_BYTES } from '@/lib/spec/yaml';

const text = multiLine(MAX_DEFINITION_BYTES * 2);

/** Reads and plans a definition; changes nothing. Problems in the file come back as data, each with its line. */
/** The same plan the API's POST /definitions/plan answers. */
export const planDefinition = authedAction(planOp, planOp.run);

export const applyDefinition = authedAction(
  {
    audit: 'definition.apply',
    role: 'admin',
    schema: z.object({ text, hash: singleLine(200).min(1), confirmDestructive: z.enum(['on']).optional() }),
  },
  async (input, ctx) => {
    const outcome = await applyText(ctx.db, getRuntime().keyRing, enqueue, ctx.user, input.text, {
      hash: input.hash,
      confirmDestructive: input.confirmDestructive === 'on',
    });
    const queued = outcome.queued.map((q) => ({ serverId: q.serverId, serverName: q.serverName, apps: q.appIds.length }));
    ctx.setDetails({ hash: outcome.hash, changes: outcome.applied.length, configure: queued });
    return { applied: outcome.applied.length, queued };
  },
);

export const exportFleetDefinition = authedAction(
  { audit: 'definition.export', role: 'admin', schema: z.object({}) },
  async (_input, ctx) => {
    return { text: definitionText(await exportFleet(ctx.db, getRuntime().keyRing)), filename: 'berth-fleet.yaml' };
  },
);

export const exportAppDefinition = authedAction(
  { audit: 'definition.export', role: 'deployer', schema: z.object({ appId: z.uuid() }) },
  async (input, ctx) => {
    const app = await findApp(ctx.db, input.appId);
    if (!app) throw new ActionError('That app does not exist.');
    ctx.setTarget(`app:${app.id}`);
    return { text: definitionText(await exportApp(ctx.db, app)), filename: `berth-app-${app.slug}.yaml` };
  },
);
