import { sql, type SQL } from 'drizzle-orm';

// Aggregates come back as bigint/numeric, which the two drivers return differently (string,
// bigint): the dashboard queries cast them to int4/float8 so both give plain numbers.
export const int = (s: SQL) => sql<number>`(${s})::int`.mapWith(Number);
export const num = (s: SQL) => sql<number>`(${s})::float8`.mapWith(Number);
