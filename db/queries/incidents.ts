import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { incidents, type Incident, type IncidentEvent } from '../schema';

/** A flapping monitor must not grow a timeline without bound: the first event and the latest ones stay. */
export const TIMELINE_CAP = 50;

export async function openIncident(db: Db, monitorId: string, at: Date, cause: string): Promise<Incident> {
  const event: IncidentEvent = { at: at.toISOString(), event: 'opened', detail: cause };
  const [row] = await db
    .insert(incidents)
    .values({ monitorId, startedAt: at, cause, timeline: [event] })
    .returning();
  return row!;
}

/** Appends to the open incident(s) of a monitor; keeps "opened" plus the latest events within the cap. */
export async function appendToOpenIncident(db: Db, monitorId: string, event: IncidentEvent): Promise<void> {
  await db
    .update(incidents)
    .set({ timeline: cappedAppend(event) })
    .where(and(eq(incidents.monitorId, monitorId), isNull(incidents.endedAt)));
}

/** Closes every open incident of a monitor (normally one); returns the closed ones. */
export async function closeOpenIncidents(db: Db, monitorId: string, at: Date, detail: string): Promise<Incident[]> {
  const event: IncidentEvent = { at: at.toISOString(), event: 'closed', detail };
  return db
    .update(incidents)
    .set({ endedAt: at, timeline: cappedAppend(event) })
    .where(and(eq(incidents.monitorId, monitorId), isNull(incidents.endedAt)))
    .returning();
}

function cappedAppend(event: IncidentEvent) {
  const ev = sql`${JSON.stringify([event])}::jsonb`;
  const keep = TIMELINE_CAP - 2; // the first event, the latest `keep`, and the new one
  return sql`case when jsonb_array_length(${incidents.timeline}) < ${TIMELINE_CAP} then ${incidents.timeline} || ${ev}
    else jsonb_build_array(${incidents.timeline} -> 0)
      || (select coalesce(jsonb_agg(e order by i), '[]'::jsonb) from jsonb_array_elements(${incidents.timeline}) with ordinality as t(e, i)
          where i > jsonb_array_length(${incidents.timeline}) - ${keep}::int)
      || ${ev} end`;
}

export async function incidentsOf(db: Db, monitorId: string, limit = 20): Promise<Incident[]> {
  return db.select().from(incidents).where(eq(incidents.monitorId, monitorId)).orderBy(desc(incidents.startedAt)).limit(limit);
}

export async function openIncidentOf(db: Db, monitorId: string): Promise<Incident | undefined> {
  const [row] = await db
    .select()
    .from(incidents)
    .where(and(eq(incidents.monitorId, monitorId), isNull(incidents.endedAt)))
    .limit(1);
  return row;
}
