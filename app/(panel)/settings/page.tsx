import Link from 'next/link';
import { NewTokenForm } from '@/components/api-tokens/new-token-form';
import { TokenList, type TokenRow } from '@/components/api-tokens/token-list';
import { RetentionForm } from '@/components/monitors/retention-form';
import { AddUserForm } from '@/components/users/add-user-form';
import { ChangePasswordForm } from '@/components/users/change-password-form';
import { TimeZoneForm } from '@/components/users/time-zone-form';
import { TwoFactorCard } from '@/components/users/two-factor-card';
import { TwoFactorPolicy } from '@/components/users/two-factor-policy';
import { UserRow } from '@/components/users/user-row';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db';
import { apiTokensOf } from '@/db/queries/api-tokens';
import { listUsers } from '@/db/queries/users';
import { hasRole } from '@/lib/auth/roles';
import { requireUser } from '@/lib/auth/session';
import { twoFactorOverview } from '@/lib/auth/two-factor';
import { monitoringSettings } from '@/lib/monitors/settings';
import { timeZoneNames } from '@/lib/time/zones';

export const metadata = { title: 'Settings' };

async function myTokens(userId: number): Promise<TokenRow[]> {
  const now = new Date();
  return (await apiTokensOf(db(), userId)).map((t) => ({
    id: t.id,
    name: t.name,
    role: t.role,
    prefix: t.prefix,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    lastUsedIp: t.lastUsedIp,
    state: t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= now ? 'expired' : 'active',
  }));
}

export default async function SettingsPage() {
  const me = await requireUser();
  const manages = hasRole(me.role, 'admin');
  const users = manages ? await listUsers(db()) : [];
  const monitoring = manages ? await monitoringSettings(db()) : null;
  const twoFactor = await twoFactorOverview(db(), me);
  return (
    <>
      <PageHeader title="Settings" />
      <div className="space-y-6">
        <Card title="Your account" description={`${me.name} · ${me.email} · ${me.role}`}>
          <ChangePasswordForm />
        </Card>
        <Card title="Time zone" description="Every time in the panel shows in this zone. Logs, exports, file names and cron stay in UTC.">
          <TimeZoneForm current={me.timeZone} zones={timeZoneNames()} now={new Date()} />
        </Card>
        <Card
          title="Two-factor sign-in"
          description="A code from an authenticator app (TOTP) after the password, with 10 single-use recovery codes."
        >
          <TwoFactorCard enabled={twoFactor.enabled} recoveryLeft={twoFactor.recoveryLeft} />
        </Card>
        {me.role === 'owner' && (
          <Card title="Two-factor policy" description="Owners only. Resetting a user's second factor is audited.">
            <TwoFactorPolicy required={twoFactor.required} enrolled={twoFactor.enrolled} />
          </Card>
        )}
        <Card
          title="API tokens"
          description="For the CLI (BERTH_TOKEN) and the HTTP API under /api/v1. A token acts with its role, never above yours; every use is audited."
        >
          <div className="space-y-4">
            <TokenList tokens={await myTokens(me.id)} />
            <NewTokenForm myRole={me.role} needsCode={twoFactor.enabled} />
          </div>
        </Card>
        {manages && (
          <>
            <Card title="Users" description="Owners and admins manage users. Disabling a user or resetting a password ends their sessions.">
              <ul className="divide-y divide-slate-100">
                {users.map((u) => (
                  <UserRow
                    key={u.id}
                    canEdit={u.id !== me.id && (u.role !== 'owner' || me.role === 'owner')}
                    user={{
                      id: u.id,
                      name: u.name,
                      email: u.email,
                      role: u.role,
                      disabled: u.disabledAt !== null,
                      lastLogin: u.lastLoginAt,
                      self: u.id === me.id,
                    }}
                  />
                ))}
              </ul>
            </Card>
            <Card title="Add a user">
              <AddUserForm canCreateOwner={me.role === 'owner'} />
            </Card>
            <Card title="Backup targets" description="Where backups go (S3-compatible, SFTP, a local path), with sealed credentials.">
              <Link className="text-sm text-indigo-700 hover:underline" href="/settings/backup-targets" data-testid="backup-targets-link">
                Manage backup targets
              </Link>
            </Card>
            {monitoring && (
              <Card
                title="Monitoring retention"
                description="Raw check results feed the 1 h chart and incident detail; minute rollups the 24 h chart; hour rollups 7 and 30 days; day rollups the year. Pruned every 10 minutes."
              >
                <RetentionForm
                  rawHours={monitoring.rawHours}
                  minuteHours={monitoring.minuteHours}
                  hourDays={monitoring.hourDays}
                  dayDays={monitoring.dayDays}
                />
              </Card>
            )}
          </>
        )}
      </div>
    </>
  );
}
