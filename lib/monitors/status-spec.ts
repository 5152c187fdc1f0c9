/**
 * Which HTTP status codes count as "up": a list of codes and ranges like "200-299,301".
 * Parsed once when the monitor is loaded, so a check only compares numbers.
 */
export type StatusRanges = ReadonlyArray<readonly [number, number]>;

const PART = /^(\d{3})(?:-(\d{3}))?$/;

/** The ranges of a spec, or the reason it is not one. */
export function parseStatusSpec(spec: string): { ranges: StatusRanges } | { error: string } {
  const parts = spec.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === ''))
    return { error: 'List status codes or ranges separated by commas, like 200-299,301' };
  if (parts.length > 20) return { error: 'At most 20 codes or ranges' };
  const ranges: Array<[number, number]> = [];
  for (const part of parts) {
    const m = PART.exec(part);
    if (!m) return { error: `"${part}" is not a status code (3 digits) or a range like 200-299` };
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 100 || to > 599) return { error: `"${part}": status codes are 100-599` };
    if (from > to) return { error: `"${part}": a range goes from low to high` };
    ranges.push([from, to]);
  }
  return { ranges };
}

export function statusMatches(ranges: StatusRanges, status: number): boolean {
  return ranges.some(([from, to]) => status >= from && status <= to);
}
