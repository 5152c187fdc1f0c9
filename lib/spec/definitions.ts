import type { Db } from '@/db';
import { listServers } from '@/db/queries/servers';
import { getSetting, insertSettingIfMissing, takeSetting } from '@/db/queries/settings';
import { ActionError } from '@/lib/auth/action-core';
import type { KeyRing } from '@/lib/crypto';
import type { Enqueue } from '@/lib/servers/requests';
import { applyPlan, type ApplyOutcome } from './apply';
import { planDefinition, type SpecPlan } from './diff';
import { exportFleet, heldReferences } from './export';
import { readDefinition } from './read';
import type { Definition } from './schema';
import type { DefinitionProblem } from './yaml';

/**
 * The public entry of definitions: read a file, plan it against the panel, apply it. Pages,
 * actions and (later) the API and GitOps call these and nothing below them.
 */
export type PlanResult = { ok: true; definition: Definition; plan: SpecPlan } | { ok: false; problems: DefinitionProblem[] };

export async function planText(db: Db, ring: KeyRing, text: string): Promise<PlanResult> {
  const panelServers = (await listServers(db)).map((s) => s.name);
  const read = readDefinition(text, { panelServers });
  if (!read.ok) return read;
  const plan = planDefinition(await exportFleet(db, ring), read.definition, await heldReferences(db, ring), text);
  return { ok: true, definition: read.definition, plan };
}

const LOCK = 'spec.apply.lock';
/** A lock older than this is a crashed apply's (an apply writes in one transaction, seconds at most). */
const STALE_MS = 10 * 60_000;
type Holder = { by: string; at: string; token: string };

/**
 * One apply at a time, across panel instances: the lock is a row, so a second apply is refused
 * at once with who holds it (the operator retries, rather than a request hanging).
 */
async function withApplyLock<T>(db: Db, by: string, fn: () => Promise<T>): Promise<T> {
  const mine = JSON.stringify({ by, at: new Date().toISOString(), token: crypto.randomUUID() } satisfies Holder);
  let taken = false;
  for (let attempt = 0; attempt < 3 && !taken; attempt++) {
    taken = await insertSettingIfMissing(db, LOCK, mine);
    if (taken) break;
    const held = await getSetting(db, LOCK);
    if (held === undefined) continue; // released between the two statements: try again
    const holder = JSON.parse(held) as Holder;
    // A crashed apply's lock is taken over once stale; takeSetting deletes it only if it is still that one.
    if (Date.now() - Date.parse(holder.at) > STALE_MS && (await takeSetting(db, LOCK, held))) continue;
    throw new ActionError(
      `Another apply is running: ${holder.by} started it at ${holder.at}. Try again when it finishes.`,
      undefined,
      'conflict',
    );
  }
  if (!taken) throw new ActionError('Another apply is running. Try again when it finishes.', undefined, 'conflict');
  try {
    return await fn();
  } finally {
    await takeSetting(db, LOCK, mine);
  }
}

export type AppliedDefinition = ApplyOutcome & { hash: string };

/**
 * Plans the text again and applies it. `hash` is the plan the person saw: a different file is
 * refused, so what runs is what was reviewed.
 */
export async function applyText(
  db: Db,
  ring: KeyRing,
  enqueue: Enqueue,
  actor: { id: number; email: string },
  text: string,
  opts: { hash: string; confirmDestructive: boolean },
): Promise<AppliedDefinition> {
  return withApplyLock(db, actor.email, async () => {
    const planned = await planText(db, ring, text);
    if (!planned.ok)
      throw new ActionError(
        `The definition has problems: ${planned.problems.map((p) => `line ${p.line ?? '?'}: ${p.message}`).join('; ')}`,
        undefined,
        'invalid_input',
      );
    if (planned.plan.hash !== opts.hash)
      throw new ActionError(
        'The definition or the panel changed since it was planned: plan it again and check the changes.',
        undefined,
        'conflict',
      );
    const outcome = await applyPlan(db, ring, enqueue, actor.id, planned.definition, planned.plan, opts);
    return { ...outcome, hash: planned.plan.hash };
  });
}
