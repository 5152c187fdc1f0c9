import { readEnv } from '@/lib/config/env';
import { getRuntime } from '@/lib/runtime';

/**
 * The panel's public base URL for links in alerts: the booted runtime's (BERTH_URL), or, in a
 * process that did not boot the panel (a script, a test), the same value read from the environment.
 */
export function panelUrl(): string {
  try {
    return getRuntime().env.publicUrl;
  } catch {
    try {
      return readEnv().publicUrl;
    } catch {
      return 'http://127.0.0.1:3000';
    }
  }
}

export const releaseLink = (appId: string, releaseId: string, base = panelUrl()) => `${base}/apps/${appId}/releases/${releaseId}`;
export const serverLink = (serverId: string, base = panelUrl()) => `${base}/servers/${serverId}`;
export const alertsLink = (base = panelUrl()) => `${base}/alerts`;
