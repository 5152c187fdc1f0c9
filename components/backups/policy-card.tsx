import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Time } from '@/components/ui/time';
import type { BackupRun } from '@/db/schema';
import type { StageStatus } from '@/lib/backups/stages';
import type { BackupPolicy } from '@/lib/model/backup-policy';
import { bytesText } from './format';
import { PolicyButtons } from './policy-buttons';
import { PolicyForm } from './policy-form';
import { type RestoreChoice, RestoreForm } from './restore-form';

export type PolicyCardProps = {
  appId: string;
  slug: string;
  policy: BackupPolicy;
  status: StageStatus;
  nextRun: Date | null;
  nextDrill: Date | null;
  lastSuccess: BackupRun | undefined;
  /** Succeeded backups still on the target, newest first. */
  kept: BackupRun[];
  targets: string[];
  sharedPaths: string[];
  hasDatabase: boolean;
  canRun: boolean;
  canManage: boolean;
};

const covers = (p: BackupPolicy) =>
  [p.database && 'database', p.files.length && `files (${p.files.join(', ')})`, p.serverConfig && 'server config', p.redis && 'Redis']
    .filter(Boolean)
    .join(', ') || 'nothing';

function restoreChoices(kept: BackupRun[]): RestoreChoice[] {
  return kept.map((r) => ({
    id: r.id,
    at: r.finishedAt ?? r.createdAt,
    label: `${bytesText(r.sizeBytes)}${r.restoreVerifiedAt ? ' · restore-verified' : r.verifiedAt ? ' · verified' : ' · NOT verified'}`,
  }));
}

/** One policy: its weakest stage (never a single green tick), when it runs next, its buttons, its settings and the restore form. */
export function PolicyCard(props: PolicyCardProps) {
  const { policy, status } = props;
  return (
    <Card>
      <div data-testid={`backup-policy-${policy.name}`} className="space-y-4">
        <div className="flex flex-wrap items-center gap-3">
          <h2 className="text-base font-semibold">{policy.name}</h2>
          <span data-testid="policy-stage" data-tone={status.tone} data-stage={status.stage ?? 'none'} data-failed={status.failed ?? ''}>
            <Badge tone={status.tone}>{status.label}</Badge>
          </span>
        </div>
        <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-2">
          <div>
            <dt className="inline text-slate-500">Target: </dt>
            <dd className="inline">{policy.target}</dd>
          </div>
          <div>
            <dt className="inline text-slate-500">Covers: </dt>
            <dd className="inline">{covers(policy)}</dd>
          </div>
          <div>
            <dt className="inline text-slate-500">Schedule: </dt>
            <dd className="inline font-mono text-xs">{policy.schedule}</dd>
            <span className="text-slate-500"> · next </span>
            <span data-testid="policy-next-run">
              <Time value={props.nextRun} />
            </span>
          </div>
          <div>
            <dt className="inline text-slate-500">Drills: </dt>
            <dd className="inline">{policy.drillSchedule ? <Time value={props.nextDrill} /> : 'on demand only'}</dd>
          </div>
          <div>
            <dt className="inline text-slate-500">Last success: </dt>
            <dd className="inline" data-testid="policy-last-success">
              <Time value={props.lastSuccess?.finishedAt ?? props.lastSuccess?.createdAt} />
            </dd>
          </div>
          <div>
            <dt className="inline text-slate-500">Keeps: </dt>
            <dd className="inline">
              {policy.retention.daily} daily, {policy.retention.weekly} weekly, {policy.retention.monthly} monthly · alerts{' '}
              {policy.graceMinutes} min after a missed run
            </dd>
          </div>
        </dl>
        {props.canRun && <PolicyButtons appId={props.appId} policy={policy.name} canDelete={props.canManage} />}
        {props.canManage && (
          <>
            <details className="rounded-md bg-slate-50 p-3">
              <summary className="cursor-pointer text-sm font-medium">Edit policy</summary>
              <div className="mt-3">
                <PolicyForm
                  appId={props.appId}
                  policy={policy}
                  targets={props.targets}
                  sharedPaths={props.sharedPaths}
                  hasDatabase={props.hasDatabase}
                />
              </div>
            </details>
            <section className="rounded-md bg-red-50/40 p-3" aria-label={`Restore from ${policy.name}`}>
              <h3 className="text-sm font-medium text-red-800">Restore</h3>
              <div className="mt-2">
                <RestoreForm
                  appId={props.appId}
                  policy={policy.name}
                  slug={props.slug}
                  backups={restoreChoices(props.kept)}
                  canDatabase={policy.database && props.hasDatabase}
                  canFiles={policy.files.length > 0}
                />
              </div>
            </section>
          </>
        )}
      </div>
    </Card>
  );
}
