'use server';

import { z } from 'zod';
import { trimmedLine } from '@/lib/model/text';
import { findApp } from '@/db/queries/apps';
import { findBackupRun, listTargets } from '@/db/queries/backups';
import { updateApp } from '@/lib/apps/manage';
import { ActionError, type ActionContext } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { requestBackupRun } from '@/lib/backups/requests';
import { enqueue } from '@/lib/runtime';
import { policiesFromForm, policyFormInput, RESTORE_INTO } from './policy-input';

const appId = z.uuid('Unknown app');
const policyName = trimmedLine(40).min(1);

async function appFor(ctx: ActionContext, id: string) {
  ctx.setTarget(`app:${id}`);
  const app = await findApp(ctx.db, id);
  if (!app) throw new ActionError('That app does not exist.');
  return app;
}

/**
 * Adds or edits one policy. Policies are app config (they travel with the app's definition), so
 * they are saved through the app's one write path, checked as the definition checks them.
 */
export const saveBackupPolicy = authedAction(
  { audit: 'backup.policy.save', role: 'admin', schema: policyFormInput },
  async (input, ctx) => {
    const app = await appFor(ctx, input.appId);
    const targets = (await listTargets(ctx.db)).map((t) => t.name);
    const result = policiesFromForm(input, app.config.backups, { targets, sharedPaths: app.config.sharedPaths });
    if (!result.ok) throw new ActionError('Please correct the highlighted fields.', result.fieldErrors, 'invalid_input');
    await updateApp(ctx.db, app.id, { ...app.config, backups: result.policies });
    ctx.setDetails({ policy: result.policy.name, previous: input.previousName || null, ...result.policy });
    return { name: result.policy.name };
  },
);

/** Removes a policy from the app's config; its runs (and the backups on the target) stay. */
export const deleteBackupPolicy = authedAction(
  { audit: 'backup.policy.delete', role: 'admin', schema: z.object({ appId, policy: policyName }) },
  async (input, ctx) => {
    const app = await appFor(ctx, input.appId);
    if (!app.config.backups.some((p) => p.name === input.policy)) throw new ActionError('The app has no such policy.');
    await updateApp(ctx.db, app.id, { ...app.config, backups: app.config.backups.filter((p) => p.name !== input.policy) });
    ctx.setDetails({ policy: input.policy });
    return { deleted: input.policy };
  },
);

/** "Back up now", "Verify", "Run drill": queued through the one request path; a second while one runs is recorded as skipped. */
export const runBackupPolicy = authedAction(
  {
    audit: 'backup.run',
    role: 'deployer',
    schema: z.object({ appId, policy: policyName, kind: z.enum(['backup', 'verify', 'drill']) }),
  },
  async (input, ctx) => {
    await appFor(ctx, input.appId);
    const { run, skipped } = await requestBackupRun(ctx.db, enqueue, {
      appId: input.appId,
      policy: input.policy,
      kind: input.kind,
      userId: ctx.user.id,
    });
    ctx.setDetails({ policy: input.policy, kind: input.kind, run: run.id, skipped });
    return {
      runId: run.id,
      ...(skipped && { notice: `A ${input.kind} of ${input.policy} is already queued or running: recorded as skipped.` }),
    };
  },
);

/**
 * Restores one backup: admins only, with the app's slug typed by hand. A database goes into a NEW
 * database that the app is switched to (the old one kept); files go into a side path for review.
 */
export const restoreBackup = authedAction(
  {
    audit: 'backup.restore',
    role: 'admin',
    schema: z.object({
      appId,
      policy: policyName,
      sourceRunId: z.uuid('Choose a backup'),
      into: z.enum(RESTORE_INTO, 'Choose what to restore'),
      confirm: trimmedLine(64).min(1, 'Type the app’s slug to confirm'),
    }),
  },
  async (input, ctx) => {
    const app = await appFor(ctx, input.appId);
    if (input.confirm !== app.config.slug)
      throw new ActionError('The confirmation does not match the app’s slug.', {
        confirm: [`Type ${app.config.slug} to confirm: this does not match`],
      });
    const source = await findBackupRun(ctx.db, input.sourceRunId);
    const usable = source?.appId === app.id && source.policy === input.policy && source.kind === 'backup';
    if (!source || !usable || source.status !== 'succeeded' || source.forgottenAt)
      throw new ActionError('That backup cannot be restored.', { sourceRunId: ['Choose a succeeded backup still on the target'] });
    if (input.into === 'new-database' && !source.manifest?.dump)
      throw new ActionError('That backup has no database dump.', { into: ['This backup holds no database: restore its files'] });
    const policy = app.config.backups.find((p) => p.name === input.policy);
    if (input.into === 'side-path' && !policy?.files.length)
      throw new ActionError('The policy backs up no files.', { into: ['This policy backs up no files: restore its database'] });
    const { run, skipped } = await requestBackupRun(ctx.db, enqueue, {
      appId: app.id,
      policy: input.policy,
      kind: 'restore',
      sourceRunId: source.id,
      userId: ctx.user.id,
      detail: { into: input.into },
    });
    ctx.setDetails({ policy: input.policy, source: source.id, into: input.into, run: run.id, skipped });
    return { runId: run.id, ...(skipped && { notice: 'A restore is already queued or running: recorded as skipped.' }) };
  },
);
