/**
 * Time zones a user may choose: the IANA names this runtime's Intl knows. Node 20's list leaves
 * out "UTC" and holds some zones under their old names (Asia/Calcutta, not Asia/Kolkata), while a
 * browser may report the new one, so a name is accepted when it, or the name Intl resolves it to,
 * is on the list; the stored value is then the name as the user gave it.
 */
export const FALLBACK_TIME_ZONE = 'UTC';

let known: Set<string> | undefined;

export function timeZoneNames(): string[] {
  return [...knownZones()].sort();
}

function knownZones(): Set<string> {
  known ??= new Set([FALLBACK_TIME_ZONE, ...Intl.supportedValuesOf('timeZone')]);
  return known;
}

/** Whether `zone` names an IANA time zone (not an offset like "+01:00", which newer engines also take). */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  if (knownZones().has(zone)) return true;
  try {
    return knownZones().has(new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone);
  } catch {
    return false;
  }
}

/** The zone to render in: the user's when it is valid, else UTC (a zone removed from a later tz database must not break a page). */
export function zoneOrFallback(zone: string | null | undefined): string {
  return zone && isTimeZone(zone) ? zone : FALLBACK_TIME_ZONE;
}
