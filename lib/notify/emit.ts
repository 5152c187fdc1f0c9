import type { Db } from '@/db';
import { hasRecentDelivery, insertNotification, subscribedChannels } from '@/db/queries/notifications';
import type { NotifyEvent } from '@/db/schema';
import type { NotifyEventType } from '@/lib/model/notifications';
import { kickNotifier } from './kick';

/**
 * Monitor state changes are already debounced by the monitor's retries, so each one is sent;
 * everything else (a server failing every minute, FPM at max_children every poll) is sent once
 * per window per subject, and the repeats are recorded as `suppressed`.
 */
export const REPEAT_WINDOW_MS: Record<NotifyEventType, number> = {
  'monitor.down': 0,
  'monitor.up': 0,
  'release.failed': 0,
  'release.rolled_back': 0,
  'release.succeeded': 0,
  'server.unreachable': 30 * 60_000,
  'server.host_key_mismatch': 6 * 60 * 60_000,
  'fpm.max_children': 30 * 60_000,
  // A drift check alerts only what is new or changed since the last check.
  'drift.detected': 0,
  // A failed backup, verification or drill is each its own event (a run fails once); every one is sent.
  'backup.failed': 0,
};

export type NotifyInput = Omit<NotifyEvent, 'at'> & { at?: Date };

/** What makes two events "the same alert": the type and its subject. */
export function dedupeKeyOf(e: NotifyInput): string {
  return [e.type, e.monitorId ?? '', e.releaseId ?? '', e.appId ?? '', e.serverId ?? ''].join(':');
}

/**
 * Queues an event for every enabled channel subscribed to its type (the outbox; the delivery
 * loop in lib/notify sends it). Never throws into the caller's work: alerting must not fail a
 * release or a check. Returns how many deliveries were queued (not counting suppressed ones).
 */
export async function notify(db: Db, input: NotifyInput): Promise<number> {
  try {
    const { at = new Date(), ...rest } = input;
    const event: NotifyEvent = { ...rest, at: at.toISOString() };
    const dedupeKey = dedupeKeyOf(input);
    const window = REPEAT_WINDOW_MS[event.type];
    const channels = await subscribedChannels(db, event.type);
    let queued = 0;
    for (const channel of channels) {
      const repeat = window > 0 && (await hasRecentDelivery(db, channel.id, dedupeKey, new Date(at.getTime() - window)));
      await insertNotification(db, {
        channelId: channel.id,
        event,
        dedupeKey,
        createdAt: at,
        nextAttemptAt: at,
        status: repeat ? 'suppressed' : 'pending',
      });
      if (!repeat) queued++;
    }
    if (queued > 0) kickNotifier();
    return queued;
  } catch (err) {
    console.error(`berth: queueing a ${input.type} notification failed:`, err);
    return 0;
  }
}
