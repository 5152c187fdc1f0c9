import type { ServerFacts } from '@/db/schema';
import type { AppConfig } from '@/lib/apps/config';
import type { Service } from '../provision/context';

export type AppRole = 'web' | 'worker';

/** What the configure tasks share: the app, the server it goes on, and what must be reloaded. */
export type ConfigureContext = {
  app: AppConfig;
  server: { id?: string; name: string; bindAddress: string | null; phpVersions: string[] };
  /** This server's roles for the app: web serves HTTP, worker runs queue workers and the scheduler. */
  roles: AppRole[];
  facts?: ServerFacts;
  /** Where nginx finds the app's certificate on this server, once there is one. */
  tlsPaths?: { certificate: string; key: string };
  reload: Set<Service>;
};
