/**
 * The running notifier's "send now", reachable from notify() without importing the delivery loop
 * (which pulls in nodemailer). It lives on globalThis for the same reason as lib/runtime: the
 * custom server and Next's bundled route code load separate copies of these modules.
 */
const slot = globalThis as typeof globalThis & { __berthNotifierKick?: () => void };

export function setNotifierKick(kick: () => void): void {
  slot.__berthNotifierKick = kick;
}

/** Only the notifier that registered `kick` unregisters it (tests may run two). */
export function clearNotifierKick(kick: () => void): void {
  if (slot.__berthNotifierKick === kick) slot.__berthNotifierKick = undefined;
}

/** Wakes the delivery loop if one runs in this process; otherwise its next poll picks the row up. */
export function kickNotifier(): void {
  slot.__berthNotifierKick?.();
}
