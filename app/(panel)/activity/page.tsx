import Link from 'next/link';
import { z } from 'zod';
import { AuditTable } from '@/components/audit/audit-table';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { db } from '@/db';
import { listAuditEvents } from '@/db/queries/audit';
import { OUTCOMES } from '@/db/schema';
import { requireRole } from '@/lib/auth/session';
import { trimmedLine } from '@/lib/model/text';

export const metadata = { title: 'Activity' };

const PAGE = 50;
// Filters arrive as a GET query: anything malformed is dropped rather than failing the page.
const filterInput = z.object({
  actor: trimmedLine(254).optional().catch(undefined),
  action: trimmedLine(100).optional().catch(undefined),
  outcome: z.enum(OUTCOMES).optional().catch(undefined),
  from: z.coerce.date().optional().catch(undefined),
  to: z.coerce.date().optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

const INPUT = 'mt-1 block rounded-md px-2 py-1.5 text-sm ring-1 ring-slate-300';

export default async function ActivityPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await requireRole('admin', '/activity');
  const raw = await searchParams;
  const f = filterInput.parse(raw);
  // A "to" date means the whole of that day.
  const to = f.to ? new Date(f.to.getTime() + 86_400_000 - 1) : undefined;
  const events = await listAuditEvents(db(), {
    ...f,
    to,
    actor: f.actor || undefined,
    action: f.action || undefined,
    beforeId: f.before,
    limit: PAGE,
  });
  const older = events.length === PAGE ? new URLSearchParams({ ...raw, before: String(events.at(-1)!.id) }) : null;
  return (
    <>
      <PageHeader title="Activity" description="Every change and every refused attempt, newest first. The trail is append-only." />
      <form method="get" className="mb-4 flex flex-wrap items-end gap-3" aria-label="Filter activity">
        <label className="text-sm">
          Who
          <input name="actor" defaultValue={f.actor ?? ''} placeholder="email" className={INPUT} />
        </label>
        <label className="text-sm">
          What
          <input name="action" defaultValue={f.action ?? ''} placeholder="action or target" className={INPUT} />
        </label>
        <label className="text-sm">
          Outcome
          <select name="outcome" defaultValue={f.outcome ?? ''} className={INPUT}>
            <option value="">any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          From (UTC)
          <input type="date" name="from" defaultValue={raw.from ?? ''} className={INPUT} />
        </label>
        <label className="text-sm">
          To (UTC)
          <input type="date" name="to" defaultValue={raw.to ?? ''} className={INPUT} />
        </label>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
        <Link href="/activity" className="pb-1.5 text-sm text-indigo-700 underline">
          Clear
        </Link>
      </form>
      {events.length === 0 ? <EmptyState title="No matching activity" /> : <AuditTable events={events} />}
      {older && (
        <p className="mt-4">
          <Link href={`/activity?${older}`} className="text-sm text-indigo-700 underline">
            Older events →
          </Link>
        </p>
      )}
    </>
  );
}
