import { getRuntime } from '@/lib/runtime';
import { drizzleFor, type Db } from './client';

export type { Db } from './client';

/** The panel's database, as prepared at boot. */
export function db(): Db {
  return drizzleFor(getRuntime().client);
}
