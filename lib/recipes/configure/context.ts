import type { ServerFacts } from '@/db/schema';
import type { AppConfig } from '@/lib/apps/config';
import type { Service } from '../provision/context';

/** What the configure tasks share: the app, the server it goes on, and what must be reloaded. */
export type ConfigureContext = {
  app: AppConfig;
  server: { name: string; bindAddress: string | null; phpVersions: string[] };
  facts?: ServerFacts;
  reload: Set<Service>;
};
