import type { Db } from '@/db';
import {
  claimDueNotifications,
  findChannel,
  finishAttempt,
  pruneNotifications,
  recordChannelError,
  recordChannelSuccess,
} from '@/db/queries/notifications';
import type { Notification } from '@/db/schema';
import type { KeyRing } from '@/lib/crypto';
import { openChannelConfig } from './channel-config';
import { clearNotifierKick, setNotifierKick } from './kick';
import { SEND_TIMEOUT_MS, SendError, sendToChannel } from './send';

/** The wait after the 1st, 2nd, … failed attempt. One more failure after the last is final. */
export const BACKOFF_MS = [10_000, 30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000, 60 * 60_000] as const;
/** First try plus one per backoff step. */
export const MAX_ATTEMPTS = BACKOFF_MS.length + 1;
const POLL_MS = 2_000;
const BATCH = 20;
/** Delivery history kept for the alerts page and the rate limit (whose longest window is 6 h). */
export const KEEP_DELIVERIES_MS = 30 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;

export type DeliverOpts = { now?: () => Date; timeoutMs?: number; batch?: number };

/** What to do after attempt number `attempts` (1-based) failed: retry at a time, or give up. */
export function nextAttemptAfter(attempts: number, now: Date): Date | null {
  const wait = BACKOFF_MS[attempts - 1];
  return wait === undefined ? null : new Date(now.getTime() + wait);
}

async function deliverOne(db: Db, ring: KeyRing, row: Notification, opts: Required<Pick<DeliverOpts, 'now' | 'timeoutMs'>>): Promise<void> {
  const channel = await findChannel(db, row.channelId);
  let error: string | null = null;
  if (!channel) return; // deleted while queued: the cascade removes the row too
  if (!channel.enabled) {
    // Switched off after this was queued: not sent, and not the channel's error.
    await finishAttempt(db, row, { status: 'failed', error: 'Not sent: the channel was disabled.' }, false);
    return;
  }
  try {
    await sendToChannel(openChannelConfig(ring, channel), row.event, { timeoutMs: opts.timeoutMs });
  } catch (err) {
    // SendError text is redacted; anything else (a config that no longer opens) names no secret.
    error = err instanceof SendError ? err.message : `The channel's settings cannot be used: ${(err as Error).message}`.slice(0, 1000);
  }
  const at = opts.now();
  if (error === null) {
    if (await finishAttempt(db, row, { status: 'sent', at })) await recordChannelSuccess(db, channel.id, at);
    return;
  }
  const attempt = row.attempts + 1;
  const retryAt = nextAttemptAfter(attempt, at);
  const shown = retryAt ? `${error} (attempt ${attempt} of ${MAX_ATTEMPTS})` : `${error} (gave up after ${MAX_ATTEMPTS} attempts)`;
  const recorded = await finishAttempt(
    db,
    row,
    retryAt ? { status: 'pending', error: shown, nextAttemptAt: retryAt } : { status: 'failed', error: shown },
  );
  if (recorded) await recordChannelError(db, channel.id, shown, at);
}

/**
 * One pass: claims the due deliveries (up to a batch, repeated while batches come back full) and
 * sends them concurrently, each with its own timeout. Returns how many were attempted.
 */
export async function deliverDue(db: Db, ring: KeyRing, opts: DeliverOpts = {}): Promise<number> {
  const now = opts.now ?? (() => new Date());
  const timeoutMs = opts.timeoutMs ?? SEND_TIMEOUT_MS;
  const batch = opts.batch ?? BATCH;
  let total = 0;
  for (;;) {
    const start = now();
    // The lease outlasts the longest send (an email waits for connect, greeting and data).
    const rows = await claimDueNotifications(db, start, new Date(start.getTime() + 3 * timeoutMs + 5_000), batch);
    await Promise.all(rows.map((row) => deliverOne(db, ring, row, { now, timeoutMs })));
    total += rows.length;
    if (rows.length < batch) return total;
  }
}

export type Notifier = { stop(): Promise<void>; kick(): void };

/**
 * The delivery loop: a pass every 2 s and whenever something is queued in this process. Passes
 * never overlap; a kick during a pass runs one more right after it. A pass that throws (the
 * database is away) is logged and the loop carries on.
 */
export function startNotifier(db: Db, ring: KeyRing, opts: DeliverOpts & { pollMs?: number } = {}): Notifier {
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let prunedAt = 0;

  const schedule = () => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(tick, opts.pollMs ?? POLL_MS);
  };
  const tick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = deliverDue(db, ring, opts)
      .then(async () => {
        const now = (opts.now ?? (() => new Date()))().getTime();
        if (now - prunedAt < PRUNE_EVERY_MS) return;
        prunedAt = now;
        await pruneNotifications(db, new Date(now - KEEP_DELIVERIES_MS));
      })
      .catch((err: Error) => console.error(`berth: notification delivery pass failed: ${err.message}`))
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          tick();
        } else schedule();
      });
  };
  setNotifierKick(tick);
  tick();
  return {
    kick: tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearNotifierKick(tick);
      await running;
    },
  };
}
