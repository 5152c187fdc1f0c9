import { z } from 'zod';
import { multiLine, singleLine } from '@/lib/model/text';
import { enqueue, getRuntime } from '@/lib/runtime';
import { definitionText } from '@/lib/spec/compact';
import { applyText, planText } from '@/lib/spec/definitions';
import { exportApp, exportFleet } from '@/lib/spec/export';
import { MAX_DEFINITION_BYTES } from '@/lib/spec/yaml';
import { apiOperation } from '../endpoint';
import { appByRef, refInput } from '../lookup';

// The same plan and apply the Definitions page runs (lib/spec/definitions.ts), and the same roles.

const text = multiLine(MAX_DEFINITION_BYTES * 2);

/** Reads and plans; changes nothing. A file with problems is an answer (200, `problems` with their lines), not an error. */
export const planOp = apiOperation({
  audit: 'definition.plan',
  role: 'admin',
  schema: z.object({ text }),
  run: async (input, ctx) => {
    const planned = await planText(ctx.db, getRuntime().keyRing, input.text);
    if (!planned.ok) return { problems: planned.problems, hash: null, changes: [], destructive: false, refused: false };
    const { hash, changes } = planned.plan;
    ctx.setDetails({ hash, changes: changes.length });
    return { problems: [], hash, changes, destructive: changes.some((c) => c.destructive), refused: changes.some((c) => c.refused) };
  },
});

/**
 * Applies the text. `hash` (from a plan) makes sure what runs is what was reviewed; without it,
 * the text is applied as it plans now. Destructive plans need `confirmDestructive` (409 `destructive`).
 */
export const applyOp = apiOperation({
  audit: 'definition.apply',
  role: 'admin',
  status: 202,
  schema: z.object({ text, hash: singleLine(200).min(1).optional(), confirmDestructive: z.boolean().default(false) }),
  run: async (input, ctx) => {
    const ring = getRuntime().keyRing;
    let hash = input.hash;
    if (!hash) {
      const planned = await planText(ctx.db, ring, input.text);
      // No plan to pin: applyText plans again and reports the problems with their lines.
      hash = planned.ok ? planned.plan.hash : 'unplanned';
    }
    const outcome = await applyText(ctx.db, ring, enqueue, ctx.user, input.text, { hash, confirmDestructive: input.confirmDestructive });
    const queued = outcome.queued.map((q) => ({ serverId: q.serverId, serverName: q.serverName, apps: q.appIds.length }));
    ctx.setDetails({ hash: outcome.hash, changes: outcome.applied.length, configure: queued });
    return { hash: outcome.hash, applied: outcome.applied.length, queued };
  },
});

export const exportFleetOp = apiOperation({
  audit: 'definition.export',
  role: 'admin',
  schema: z.object({}),
  run: async (_input, ctx) => ({ text: definitionText(await exportFleet(ctx.db, getRuntime().keyRing)) }),
});

export const exportAppOp = apiOperation({
  audit: 'definition.export',
  role: 'deployer',
  schema: z.object({ app: refInput }),
  run: async (input, ctx) => ({ text: definitionText(await exportApp(ctx.db, await appByRef(ctx, input.app))) }),
});
