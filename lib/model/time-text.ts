/** A time as the panel's tables show it: UTC, to the minute ("2026-12-07 13:45"). */
export const utcMinute = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 16);
