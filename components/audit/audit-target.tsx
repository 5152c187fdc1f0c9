import Link from 'next/link';
import type { AuditTargetName } from '@/db/queries/audit';

/** Where a named target lives in the panel; kinds without a page of their own are shown unlinked. */
function hrefOf(t: AuditTargetName): string | null {
  switch (t.kind) {
    case 'app':
      return `/apps/${t.id}`;
    case 'server':
      return `/servers/${t.id}`;
    case 'monitor':
      return `/monitors/${t.id}`;
    case 'release':
      return t.appId ? `/apps/${t.appId}/releases/${t.id}` : null;
    case 'user':
    case 'api-token':
      return '/settings';
    case 'notification_channel':
      return '/alerts';
    case 'backup-target':
      return '/settings/backup-targets';
    default:
      return null;
  }
}

const KIND_LABEL: Record<string, string> = { notification_channel: 'channel', 'backup-target': 'backup target', 'api-token': 'token' };

/**
 * The target by name ("app shop"), linked to its page, with the raw target on hover for
 * searching; a target that is gone (or was never a row) shows its raw text, cut short.
 */
export function AuditTarget({ target, named }: { target: string | null; named: AuditTargetName | undefined }) {
  if (!target) return null;
  if (!named)
    return (
      <span className="block max-w-48 truncate font-mono text-xs" title={target}>
        {target}
      </span>
    );
  const href = hrefOf(named);
  const text = (
    <>
      <span className="text-slate-500">{KIND_LABEL[named.kind] ?? named.kind} </span>
      {named.name}
    </>
  );
  return (
    <span className="block max-w-56 truncate" title={target} data-testid="audit-target">
      {href ? (
        <Link href={href} className="text-indigo-700 hover:underline">
          {text}
        </Link>
      ) : (
        text
      )}
    </span>
  );
}
