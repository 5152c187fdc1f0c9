import type { TargetSettings } from '@/lib/model/backup-policy';

/** Where a target's backups go, as one line for tables (never the secret). */
export function destinationText(s: TargetSettings): string {
  if (s.kind === 's3') return `${s.endpoint.replace(/\/$/, '')}/${s.bucket}`;
  if (s.kind === 'sftp') return `${s.user}@${s.host}:${s.port} ${s.path}`;
  return `${s.path} (on each server)`;
}

export const KIND_LABELS: Record<TargetSettings['kind'], string> = {
  s3: 'S3-compatible',
  sftp: 'SFTP',
  local: 'Local path',
};
