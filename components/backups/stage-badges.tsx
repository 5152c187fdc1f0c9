import type { BackupRun } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import { Time } from '@/components/ui/time';
import { STAGE_LABELS } from '@/lib/backups/stages';
import { BACKUP_STAGES, type BackupStage } from '@/lib/model/backup-policy';

const COLUMN = { dumped: 'dumpedAt', uploaded: 'uploadedAt', verified: 'verifiedAt', restoreVerified: 'restoreVerifiedAt' } as const;

type Stages = Pick<BackupRun, 'status' | 'dumpedAt' | 'uploadedAt' | 'verifiedAt' | 'restoreVerifiedAt'>;

/**
 * A backup's four stages: green with its time when reached, red for the first one a failed run
 * did not reach, grey otherwise (not yet, or not attempted). Never one tick for the whole run.
 */
export function StageBadges({ run }: { run: Stages }) {
  const broken = run.status === 'failed' || run.status === 'interrupted';
  const firstMissing = BACKUP_STAGES.find((s) => !run[COLUMN[s]]);
  return (
    <span className="flex flex-wrap gap-1">
      {BACKUP_STAGES.map((stage: BackupStage) => {
        const at = run[COLUMN[stage]];
        const state = at ? 'reached' : broken && stage === firstMissing ? 'failed' : 'pending';
        return (
          <span key={stage} data-testid={`stage-${stage}`} data-state={state}>
            <Badge tone={state === 'reached' ? 'good' : state === 'failed' ? 'bad' : 'neutral'}>
              {STAGE_LABELS[stage]}
              {at ? ' ' : ''}
              {at && <Time value={at} format="time" />}
            </Badge>
          </span>
        );
      })}
    </span>
  );
}
