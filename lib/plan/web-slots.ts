import { appLayout } from './app-layout';
import type { AppConfig } from '@/lib/model/app-config';
import type { AppRole } from './server-input';

/**
 * A process app runs as two supervisor programs ("slots"): a on `port`, b on `port + 1`. A
 * release starts the new code in the idle slot beside the live one, and moves nginx over only
 * once it answers (lib/recipes/release/start-process.ts, move-traffic.ts): no gap in service.
 *
 * Which slot is live is what nginx proxies to, written in one small include file: the server
 * has a single source of truth that configure, releases and the pending view all read, and it
 * can never disagree with what nginx actually serves.
 */
export type Slot = 'a' | 'b';
export const SLOTS: readonly Slot[] = ['a', 'b'];
export const otherSlot = (s: Slot): Slot => (s === 'a' ? 'b' : 'a');

export function webSlots(slug: string) {
  const l = appLayout(slug);
  return {
    /** Included in the vhost's `location /`: one proxy_pass to the live slot, and its name. */
    livePath: `/etc/nginx/berth-live/${slug}.conf`,
    liveDir: '/etc/nginx/berth-live',
    /** The slots, apart from the workers' file: a release rewrites this one only, never the workers'. */
    supervisorPath: `/etc/supervisor/conf.d/berth-${slug}_web.conf`,
    /**
     * Each slot runs from its own link to a release, flipped only while that slot is stopped: a
     * crash-restart of the live slot runs the code it was started with, not whatever `current` is.
     */
    link: (s: Slot) => `${l.base}/web-${s}`,
    /** Each slot is its own supervisor group (no [group:]), so `update <program>` touches that slot alone. */
    program: (s: Slot) => `berth-${slug}_web-${s}`,
    logPath: (s: Slot) => `${l.logDir}/berth-${slug}_web-${s}.log`,
  };
}

/** Web servers of a process app run the slots; everything else (PHP, static, worker-only) has none. */
export const hasWebSlots = (app: AppConfig, roles: AppRole[]): boolean =>
  app.kind === 'process' && !!app.port && !!app.processArgv && roles.includes('web');

export const slotPort = (app: AppConfig, s: Slot): number => app.port! + (s === 'a' ? 0 : 1);

/**
 * Where the slots listen and nginx proxies: 127.0.0.1, or the server's own bind address when
 * that is itself a loopback address. Several Berth servers then share one machine's loopback
 * (the test bed; staging beside production on one box), and each keeps its apps' ports to
 * itself instead of two servers' slots fighting over 127.0.0.1:<port>. Apps get it as HOST.
 */
export const listenAddress = (bindAddress: string | null | undefined): string =>
  bindAddress && /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bindAddress) ? bindAddress : '127.0.0.1';

const LIVE_MARK = /^# live slot: ([ab])$/m;

/** The live slot named in the include file; none yet (a fresh app, or one from before slots) is a, which listens on `port` as "web" did. */
export const parseLiveSlot = (include: string | null | undefined): Slot => (include?.match(LIVE_MARK)?.[1] as Slot | undefined) ?? 'a';
