import type { AppConfig } from '@/lib/model/app-config';
import type { Slot } from './web-slots';

export type AppRole = 'web' | 'worker';

/**
 * What the plan of one app on one server is made from: the app as the spec states it, the
 * server's facts, the app's roles there, and what only the server knows (the live slot, where its
 * certificate lies). The configure context (lib/recipes/configure/context.ts) carries these and
 * more; the plan reads nothing else.
 */
export type ServerPlanInput = {
  app: AppConfig;
  server: { id?: string; name: string; bindAddress: string | null; phpVersions: string[] };
  roles: AppRole[];
  tlsPaths?: { certificate: string; key: string };
  /** A process app's live slot on this server (web-slots.ts), read from it by configure or the pending view; a when unset. */
  liveSlot?: Slot;
};
