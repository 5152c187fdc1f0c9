import { db } from '@/db';
import { makeEndpoint } from './endpoint';

/** The endpoint wrapper bound to the panel's database: what every /api/v1 route handler uses. */
export const endpoint = makeEndpoint({ db, logError: (err) => console.error('[api]', err) });
