import { z } from 'zod';
import { multiLine, singleLine } from '@/lib/model/text';
import type { FieldErrors } from '@/lib/auth/action-core';
import { type BackupPolicy, backupPoliciesInput } from '@/lib/model/backup-policy';

/** Where a restore goes: a database into a new database the app is then switched to, or files into a side path. */
export const RESTORE_INTO = ['new-database', 'side-path'] as const;
export type RestoreInto = (typeof RESTORE_INTO)[number];

/** A ticked box posts "on"; CheckboxField posts "off" first so an unticked box is told apart from a missing one. */
const checkbox = z
  .union([singleLine(10), z.array(singleLine(10)).max(4)])
  .optional()
  .transform((v) => (Array.isArray(v) ? v.includes('on') : v === 'on'));
const text = (max: number) => singleLine(max).optional().default('');

/** The policy form as posted: only shape and size here; the rules are the model's (backupPolicyInput). */
export const policyFormInput = z.object({
  appId: z.uuid('Unknown app'),
  /** The policy being edited ('' for a new one): a rename replaces it in place. */
  previousName: text(40),
  name: text(100),
  target: text(100),
  schedule: text(200),
  retentionDaily: text(10),
  retentionWeekly: text(10),
  retentionMonthly: text(10),
  database: checkbox,
  files: multiLine(5000).optional().default(''), // a textarea: one shared path per line
  serverConfig: checkbox,
  redis: checkbox,
  drillSchedule: text(200),
  graceMinutes: text(10),
});
export type PolicyForm = z.output<typeof policyFormInput>;

/** The model's error path → the form field it belongs to (a list's line says which line). */
function fieldOf(path: ReadonlyArray<PropertyKey>, index: number): string {
  const [, head, next] = path.map(String);
  if (path.length < 2 || head === undefined) return 'name'; // the list's own rule: two policies with one name
  if (head === 'retention') return next === 'weekly' ? 'retentionWeekly' : next === 'monthly' ? 'retentionMonthly' : 'retentionDaily';
  return head === String(index) ? 'name' : head;
}

/**
 * The app's policies with this form's policy put in (replacing `previousName` when editing),
 * validated as the definition validates them. Every field's errors come back, not only the first.
 */
export function policiesFromForm(
  form: PolicyForm,
  current: BackupPolicy[],
  context: { targets: string[]; sharedPaths: string[] },
): { ok: true; policies: BackupPolicy[]; policy: BackupPolicy } | { ok: false; fieldErrors: FieldErrors } {
  const files = form.files
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const raw = {
    name: form.name,
    target: form.target,
    schedule: form.schedule,
    retention: { daily: form.retentionDaily, weekly: form.retentionWeekly, monthly: form.retentionMonthly },
    database: form.database,
    files,
    serverConfig: form.serverConfig,
    redis: form.redis,
    drillSchedule: form.drillSchedule.trim(),
    graceMinutes: form.graceMinutes,
  };
  const at = current.findIndex((p) => p.name === form.previousName);
  const index = at >= 0 ? at : current.length;
  const list: unknown[] = [...current];
  list[index] = raw;
  const errors: FieldErrors = {};
  const add = (field: string, message: string) => {
    errors[field] = [...(errors[field] ?? []), message];
  };
  const parsed = backupPoliciesInput.safeParse(list);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // Only this policy's errors (or the list's own rule): the others were valid when saved.
      if (issue.path.length >= 1 && String(issue.path[0]) !== String(index)) continue;
      if (issue.path[1] === 'files') add('files', `Line ${Number(issue.path[2]) + 1}: ${issue.message}`);
      else add(fieldOf(issue.path, index), issue.message);
    }
  }
  if (form.target && !context.targets.includes(form.target.trim()))
    add('target', 'No target has this name: add it under Settings → Backup targets');
  files.forEach((f, i) => {
    if (!context.sharedPaths.some((s) => f === s || f.startsWith(`${s}/`)))
      add('files', `Line ${i + 1}: ${f} is not one of the app's shared paths (${context.sharedPaths.join(', ') || 'none'})`);
  });
  if (!parsed.success || Object.keys(errors).length) return { ok: false, fieldErrors: errors };
  return { ok: true, policies: parsed.data, policy: parsed.data[index]! };
}
