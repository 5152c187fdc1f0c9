'use server';

import { keptBackupsOnTarget } from '@/db/queries/backups';
import { z } from 'zod';
import { multiLine, trimmedLine } from '@/lib/model/text';
import { listApps } from '@/db/queries/apps';
import { deleteTarget, findTarget, findTargetByName } from '@/db/queries/backups';
import { findServer } from '@/db/queries/servers';
import { ActionError } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { requireRecentLogin } from '@/lib/auth/recent-login';
import { readPanelPolicy } from '@/lib/backups/panel-schedule';
import { requestTargetTest } from '@/lib/backups/target-requests';
import { needsCredential, saveTarget } from '@/lib/backups/targets';
import { backupNameInput, targetSettingsInput } from '@/lib/model/backup-policy';
import { enqueue, getRuntime } from '@/lib/runtime';
import { makeRevealTargetKey } from './backup-key-reveal';

const targetId = z.uuid('Unknown backup target');

/** The secret as typed: empty means "keep the stored one". A private key keeps its lines and ends with one newline. */
const credentialInput = multiLine(20_000)
  .optional()
  .transform((s) => {
    const text = s?.replace(/\r\n/g, '\n').trim();
    if (!text) return undefined;
    return text.includes('\n') ? `${text}\n` : text;
  });

/**
 * Adds or edits a target (by name: a saved target keeps its name, policies name it). The secret
 * is sealed and never shown back; the repository key is made once, on creation.
 */
export const saveBackupTarget = authedAction(
  {
    audit: 'backup.target.save',
    role: 'admin',
    schema: z.object({ name: backupNameInput, credential: credentialInput }).and(targetSettingsInput),
  },
  async (input, ctx) => {
    const { name, credential, ...settings } = input;
    ctx.setTarget(`backup-target:${name}`);
    const existing = await findTargetByName(ctx.db, name);
    if (!existing && needsCredential(settings.kind) && !credential)
      throw new ActionError('Please correct the highlighted fields.', {
        credential: [settings.kind === 's3' ? 'Enter the secret access key' : 'Paste the private key'],
      });
    try {
      const { target, created } = await saveTarget(ctx.db, getRuntime().keyRing, { name, settings, credential });
      // The secret itself never reaches the audit row: only whether one was given.
      ctx.setDetails({ kind: settings.kind, created, credentialChanged: Boolean(credential) });
      return { id: target.id };
    } catch (err) {
      // saveTarget's refusals (a secret meant for another destination) are the user's to fix.
      if (err instanceof Error && /^(Enter|Paste) /.test(err.message)) throw new ActionError(err.message, { credential: [err.message] });
      throw err;
    }
  },
);

/**
 * Refused while a policy names the target (its next run would fail for want of a destination).
 * The row holds the only copy of the repository key Berth made, so the name is typed to confirm,
 * and the refusal says how many backups would become unreadable without a kept copy of the key.
 */
export const deleteBackupTarget = authedAction(
  { audit: 'backup.target.delete', role: 'admin', schema: z.object({ targetId, confirm: trimmedLine(64).default('') }) },
  async (input, ctx) => {
    ctx.setTarget(`backup-target:${input.targetId}`);
    const target = await findTarget(ctx.db, input.targetId);
    if (!target) throw new ActionError('That backup target no longer exists.');
    if (input.confirm !== target.name) {
      const kept = await keptBackupsOnTarget(ctx.db, target.id);
      const why = kept ? `${kept} backups are kept on it, and only its repository key reads them: reveal and keep the key first. ` : '';
      throw new ActionError(`${why}Type ${target.name} to delete it.`, { confirm: [`${why}Type ${target.name} to confirm`] });
    }
    const users = (await listApps(ctx.db)).filter((a) => a.config.backups.some((p) => p.target === target.name));
    if (users.length)
      throw new ActionError(`${target.name} is used by ${users.map((a) => a.name).join(', ')}: change those policies first.`);
    if ((await readPanelPolicy(ctx.db))?.target === target.name)
      throw new ActionError(`${target.name} holds the panel's own backup: choose another target for it first.`);
    await deleteTarget(ctx.db, target.id);
    ctx.setDetails({ name: target.name, kind: target.kind });
    return { deleted: target.name };
  },
);

/** Queues "Send test" from one server (the one whose network the backups will use). */
export const testBackupTarget = authedAction(
  { audit: 'backup.target.test', role: 'admin', schema: z.object({ targetId, serverId: z.uuid('Choose a server') }) },
  async (input, ctx) => {
    ctx.setTarget(`backup-target:${input.targetId}`);
    await requestTargetTest(ctx.db, enqueue, input.targetId, input.serverId);
    const server = await findServer(ctx.db, input.serverId);
    ctx.setDetails({ server: server?.name ?? input.serverId });
    return { queuedAt: new Date().toISOString() };
  },
);

/** The target's repository key, shown once to an admin who signed in recently (backup-key-reveal.ts). */
export const revealTargetKey = makeRevealTargetKey(authedAction, { ring: () => getRuntime().keyRing, requireRecentLogin });
