'use server';

import { z } from 'zod';
import { singleLine } from '@/lib/model/text';
import { findTargetByName } from '@/db/queries/backups';
import { getSetting, putSetting, takeSetting } from '@/db/queries/settings';
import { ActionError } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { PANEL_POLICY_KEY, panelPolicyFromForm, readPanelPolicy, requestPanelBackupNow } from '@/lib/backups/panel-schedule';
import { enqueue } from '@/lib/runtime';

/** The form's fields as typed; panelPolicyFromForm checks them and puts each error beside its field. */
const formInput = z.object({
  target: singleLine(100),
  schedule: singleLine(200),
  retentionDaily: singleLine(10),
  retentionWeekly: singleLine(10),
  retentionMonthly: singleLine(10),
  graceMinutes: singleLine(10),
});

/** "The panel's own backup": its target, UTC schedule, retention and grace (the settings row `panel-backup`). */
export const savePanelBackup = authedAction({ audit: 'backup.panel.save', role: 'admin', schema: formInput }, async (input, ctx) => {
  ctx.setTarget('backup-panel');
  const parsed = panelPolicyFromForm(input);
  if (!parsed.ok) throw new ActionError('Please correct the highlighted fields.', parsed.fieldErrors, 'invalid_input');
  if (!(await findTargetByName(ctx.db, parsed.policy.target)))
    throw new ActionError(
      'Please correct the highlighted fields.',
      { target: [`There is no backup target named ${parsed.policy.target}`] },
      'invalid_input',
    );
  await putSetting(ctx.db, PANEL_POLICY_KEY, JSON.stringify(parsed.policy));
  ctx.setDetails({ ...parsed.policy });
  return { saved: true };
});

/** Stops scheduling the panel's backups (its dead man's monitor goes with the next tick); its snapshots stay on the target. */
export const stopPanelBackup = authedAction({ audit: 'backup.panel.stop', role: 'admin', schema: z.object({}) }, async (_input, ctx) => {
  ctx.setTarget('backup-panel');
  const raw = await getSetting(ctx.db, PANEL_POLICY_KEY);
  if (raw) await takeSetting(ctx.db, PANEL_POLICY_KEY, raw);
  return { stopped: Boolean(raw) };
});

/** "Back up the panel now": queued on backup:panel, behind one already running. */
export const backUpPanelNow = authedAction({ audit: 'backup.panel.run', role: 'admin', schema: z.object({}) }, async (_input, ctx) => {
  ctx.setTarget('backup-panel');
  const policy = await readPanelPolicy(ctx.db);
  if (!policy) throw new ActionError("Save the panel's backup settings first: they name the target.");
  await requestPanelBackupNow(ctx.db, enqueue, ctx.user.id);
  ctx.setDetails({ target: policy.target });
  return { queuedAt: new Date().toISOString() };
});
