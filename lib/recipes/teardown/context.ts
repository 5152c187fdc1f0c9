import type { ConfigureContext } from '../configure/context';

/**
 * Teardown reuses the configure context with no roles on the server: the configure tasks then
 * plan every config file of the app as absent there (lib/plan/desired-files.ts) and remove it, so
 * teardown removes exactly what configure writes. `dropData` (asked with a delete, on the app's
 * data server only) also drops its database, role and Redis user.
 */
export type TeardownContext = ConfigureContext & { roles: []; dropData: boolean };
