import type { ServerFacts } from '@/lib/model/server-facts';
import type { AppConfig } from '@/lib/model/app-config';
import type { DataCredentials } from '@/lib/model/data-names';
import type { Service } from '../provision/context';
import type { Slot } from '@/lib/plan/web-slots';

export type { AppRole } from '@/lib/plan/server-input';
import type { AppRole } from '@/lib/plan/server-input';

/** What the configure tasks share: the app, the server it goes on, and what must be reloaded. */
export type ConfigureContext = {
  app: AppConfig;
  server: { id?: string; name: string; bindAddress: string | null; phpVersions: string[] };
  /** This server's roles for the app: web serves HTTP, worker runs queue workers and the scheduler. */
  roles: AppRole[];
  facts?: ServerFacts;
  /** Where nginx finds the app's certificate on this server, once there is one. */
  tlsPaths?: { certificate: string; key: string };
  /** TLS mode acme: the ACME directory certbot uses, and a CA bundle on the server that trusts it (private CAs, Pebble). */
  acme?: { directory: string; caBundle?: string };
  /** TLS mode uploaded: the chain and its key, opened from the database for this run only (never logged). */
  uploadedCertificate?: { certificatePem: string; keyPem: string };
  /** Set by the tls task in mode acme: the chain this server now serves, which the job records. */
  servedAcmeCertificate?: string;
  /** Set by the tls task where the app is not served with ACME (mode or role changed): no lineage is left, so the job drops its record. */
  acmeCertificateGone?: boolean;
  reload: Set<Service>;
  /** A process app's live slot on this server (web-slots.ts), read from it by the vhost task or the pending view; a when unset. */
  liveSlot?: Slot;
  /** True on the app's data server (lib/apps/data-services.ts, dataServerOf): only there are its database and Redis user made. */
  dataServer?: boolean;
  /** The data server the app's credentials were made for no longer serves it: the data tasks refuse to start over elsewhere. */
  dataServerGone?: boolean;
  /** Set by the redis task: whether the data server's Redis has ACLs, which the job records (no ACLs: no REDIS_USERNAME/REDIS_PASSWORD). */
  redisAcl?: boolean;
  /** Opened from app_env_values for this run only (lib/apps/data-services.ts); never logged. */
  dataCredentials?: DataCredentials;
};
