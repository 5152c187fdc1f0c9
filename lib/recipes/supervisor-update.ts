import { and, cmd, or, type Command } from '@/lib/remote/command';

/** On every supervisor host (/run exists with and without systemd); only Berth's own updates take it. */
export const SUPERVISOR_LOCK = '/run/berth-supervisorctl.lock';

/**
 * `supervisorctl update [group…]`, safe beside another one. An update is not atomic: it is a
 * series of calls (reload the config, stop, remove, add each changed group), and two at once —
 * two apps configured or released on one server together — fail each other with BAD_NAME or
 * STILL_RUNNING (seen on the test hosts: 15 of 40 targeted updates beside a loop of global ones).
 * Berth's own updates wait for each other on a lock; one run by someone else is retried twice.
 */
export function supervisorUpdate(...groups: string[]): Command {
  const update = cmd('flock', '-w', '120', SUPERVISOR_LOCK, 'supervisorctl', 'update', ...groups);
  return or(update, and(cmd('sleep', '0.5'), update), and(cmd('sleep', '1'), update));
}
