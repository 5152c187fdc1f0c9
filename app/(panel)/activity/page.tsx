import Link from 'next/link';
import { z } from 'zod';
import { AuditTable } from '@/components/audit/audit-table';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { db } from '@/db';
import { auditTargetNames, listAuditEvents } from '@/db/queries/audit';
import { OUTCOMES } from '@/db/schema';
import { requireRole } from '@/lib/auth/session';
import { trimmedLine } from '@/lib/model/text';
import { startOfDayIn } from '@/lib/time/format';
import { zoneOrFallback } from '@/lib/time/zones';

export const metadata = { title: 'Activity' };

const PAGE = 50;
const DAY = trimmedLine(10)
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  // Years past 9998 are dropped: the day after 9999-12-31 has no four-digit year to read back.
  .refine((d) => !Number.isNaN(Date.parse(d)) && Number(d.slice(0, 4)) >= 1970 && Number(d.slice(0, 4)) <= 9998);
// Calendar arithmetic on the date itself (a day in a zone may last 23 or 25 hours).
const dayAfter = (day: string) => new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
// Filters arrive as a GET query: anything malformed is dropped rather than failing the page.
const filterInput = z.object({
  actor: trimmedLine(254).optional().catch(undefined),
  action: trimmedLine(100).optional().catch(undefined),
  outcome: z.enum(OUTCOMES).optional().catch(undefined),
  from: DAY.optional().catch(undefined),
  to: DAY.optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

const INPUT = 'mt-1 block rounded-md px-2 py-1.5 text-sm ring-1 ring-slate-300';

export default async function ActivityPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  const me = await requireRole('admin', '/activity');
  const zone = zoneOrFallback(me.timeZone);
  const raw = await searchParams;
  const f = filterInput.parse(raw);
  // Dates are days in the reader's zone; a "to" date means the whole of that day.
  const from = f.from ? startOfDayIn(f.from, zone) : undefined;
  const to = f.to ? new Date(startOfDayIn(dayAfter(f.to), zone).getTime() - 1) : undefined;
  const events = await listAuditEvents(db(), {
    ...f,
    from,
    to,
    actor: f.actor || undefined,
    action: f.action || undefined,
    beforeId: f.before,
    limit: PAGE,
  });
  const targets = await auditTargetNames(
    db(),
    events.map((e) => e.target),
  );
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
          From
          <input type="date" name="from" defaultValue={raw.from ?? ''} className={INPUT} />
        </label>
        <label className="text-sm">
          To
          <input type="date" name="to" defaultValue={raw.to ?? ''} className={INPUT} />
        </label>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
        <Link href="/activity" className="pb-1.5 text-sm text-indigo-700 underline">
          Clear
        </Link>
      </form>
      {events.length === 0 ? <EmptyState title="No matching activity" /> : <AuditTable events={events} targets={targets} />}
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
