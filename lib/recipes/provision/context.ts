import type { ServerFacts } from '@/lib/model/server-facts';

export type Service = 'nginx' | `php${string}-fpm` | 'supervisor' | 'cron';

/** What the provisioning tasks share: the server's settings, and what later tasks must reload. */
export type ProvisionContext = {
  server: { name: string; bindAddress: string | null; phpVersions: string[] };
  facts?: ServerFacts;
  /** Config tasks add a service here when they changed its files; the services task reloads it. */
  reload: Set<Service>;
  saveFacts(facts: ServerFacts): Promise<void>;
};

export const fpmService = (version: string): Service => `php${version}-fpm`;

/** What the services task needs; provisioning and configuring both end with it. */
export type ServiceContext = Pick<ProvisionContext, 'server' | 'facts' | 'reload'>;
