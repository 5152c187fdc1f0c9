import { describe, expect, it } from 'vitest';
import { backupPolicyInput } from '@/lib/model/backup-policy';
import { type PolicyForm, policiesFromForm, policyFormInput } from './policy-input';

const form = (over: Partial<PolicyForm> = {}): PolicyForm => ({
  appId: '00000000-0000-4000-8000-000000000000',
  previousName: '',
  name: 'daily',
  target: 'offsite',
  schedule: '15 3 * * *',
  retentionDaily: '7',
  retentionWeekly: '4',
  retentionMonthly: '6',
  database: true,
  files: 'storage/app\n',
  serverConfig: true,
  redis: false,
  drillSchedule: '30 4 * * 0',
  graceMinutes: '60',
  ...over,
});
const context = { targets: ['offsite', 'local'], sharedPaths: ['storage/app', 'public/uploads'] };
const existing = backupPolicyInput.parse({ name: 'daily', target: 'local' });

describe('policyFormInput', () => {
  it('takes the files textarea as posted: several lines, CRLF; a control character is a field error', () => {
    const posted = { ...form(), database: 'on', serverConfig: 'off', redis: 'off', files: 'storage/app\r\npublic/uploads\r\n' };
    const parsed = policyFormInput.parse(posted);
    expect(policiesFromForm(parsed, [], context)).toMatchObject({ ok: true, policy: { files: ['storage/app', 'public/uploads'] } });
    const bad = policyFormInput.safeParse({ ...posted, files: 'storage/app\u0000' });
    expect(bad.error?.issues.map((i) => i.path[0])).toEqual(['files']);
  });
});

describe('policiesFromForm', () => {
  it('adds a policy, with the model defaults applied', () => {
    const out = policiesFromForm(form(), [], context);
    expect(out).toMatchObject({
      ok: true,
      policy: { name: 'daily', files: ['storage/app'], retention: { daily: 7, weekly: 4, monthly: 6 } },
    });
  });

  it('replaces the edited policy in place, also under a new name', () => {
    const other = backupPolicyInput.parse({ name: 'hourly', target: 'local', schedule: '0 * * * *' });
    const out = policiesFromForm(form({ previousName: 'daily', name: 'nightly' }), [existing, other], context);
    expect(out.ok && out.policies.map((p) => p.name)).toEqual(['nightly', 'hourly']);
  });

  it('returns every field error at once, under the form field names', () => {
    const out = policiesFromForm(
      form({ schedule: '61 * * *', retentionDaily: '1.5', graceMinutes: '0', files: 'storage/app\n../etc', target: 'nowhere' }),
      [],
      context,
    );
    expect(out.ok).toBe(false);
    const errors = out.ok ? {} : out.fieldErrors;
    expect(Object.keys(errors).sort()).toEqual(['files', 'graceMinutes', 'retentionDaily', 'schedule', 'target']);
    expect(errors.files!.join(' ')).toMatch(/^Line 2: /);
  });

  it('refuses keeping nothing, and a second policy with the same name', () => {
    const none = policiesFromForm(form({ retentionDaily: '0', retentionWeekly: '0', retentionMonthly: '0' }), [], context);
    expect(none.ok ? {} : none.fieldErrors).toHaveProperty('retentionDaily');
    const twice = policiesFromForm(form(), [existing], context);
    expect(twice.ok ? {} : twice.fieldErrors).toHaveProperty('name');
  });

  it('refuses files outside the app’s shared paths', () => {
    const out = policiesFromForm(form({ files: 'storage/app/invoices\nvendor' }), [], context);
    expect(out.ok ? [] : out.fieldErrors.files).toEqual([expect.stringMatching(/^Line 2: vendor is not one of the app's shared paths/)]);
  });
});
