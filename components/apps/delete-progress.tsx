import { Badge } from '@/components/ui/badge';
import type { DeleteStatus, TeardownState } from '@/lib/apps/delete-status';
import type { Tone } from '@/lib/model/tone';

const TONE: Record<string, Tone> = { queued: 'neutral', running: 'warn', succeeded: 'good', failed: 'bad', interrupted: 'bad' };

function ServerTeardown({ t }: { t: TeardownState }) {
  return (
    <li className="py-2" data-testid="delete-server" data-server={t.server} data-status={t.status}>
      <p className="font-medium">
        {t.server} <Badge tone={TONE[t.status] ?? 'neutral'}>{t.status === 'succeeded' ? 'clean' : t.status}</Badge>
      </p>
      {t.failed && (
        <p role="alert" className="mt-1 break-words rounded bg-red-50 px-2 py-1 text-red-800">
          Could not remove{t.failed.task ? ` (step ${t.failed.task})` : ''}: {t.failed.error}
        </p>
      )}
      {t.removed.length > 0 && (
        <ul className="mt-1 list-disc pl-5 text-slate-700">
          {t.removed.map((line) => (
            <li key={line} className="break-words" data-testid="delete-removed">
              {line}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** Where a delete stands: per server what went or what failed, then (once every server is clean) the report. */
export function DeleteProgress({ status }: { status: DeleteStatus }) {
  if (status.state === 'unknown') return <p className="text-sm text-slate-600">This app no longer exists.</p>;
  if (status.state === 'deleted') {
    const { report } = status;
    return (
      <div className="text-sm" data-testid="delete-report">
        <p className="font-medium text-emerald-800">{report.slug} is deleted from every server and from the panel.</p>
        <ul className="divide-y divide-slate-100">
          {report.servers.map((s) => (
            <ServerTeardown key={s.server} t={{ server: s.server, status: 'succeeded', removed: s.removed, failed: null }} />
          ))}
        </ul>
        <p className="mt-2 text-slate-600">Kept: {report.kept.join('; ')}.</p>
        <p className="mt-1 text-slate-600">
          <a className="text-indigo-700 underline" href="/apps">
            Back to apps
          </a>
        </p>
      </div>
    );
  }
  return (
    <div className="text-sm" data-testid="delete-progress">
      <ul className="divide-y divide-slate-100">
        {status.servers.map((t) => (
          <ServerTeardown key={t.server} t={t} />
        ))}
      </ul>
    </div>
  );
}
