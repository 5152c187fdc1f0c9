import type { Transport } from '@/lib/remote/transport';

/** What a task reports: whether it changed the server, and one line that says what it found or did. */
export type TaskOutcome = { changed: boolean; summary: string };

/** What every task gets: the server's transport, a line logger, and the cancellation signal. */
export type TaskIO = {
  transport: Transport;
  log(line: string): void;
  signal: AbortSignal;
};

/**
 * A named, small step (~50 lines at most), idempotent where it can be: it looks before it
 * changes anything, so a second run reports "unchanged".
 */
export type Task<C> = { name: string; run(ctx: C, io: TaskIO): Promise<TaskOutcome> };

/**
 * `afterSwitch`: the recipe's failure policy. A failure at one of these tasks (or after them) may
 * leave traffic on the new code somewhere, so the caller rolls back; before them, nothing served changed.
 */
export type Recipe<C> = { name: string; tasks: ReadonlyArray<Task<C>>; afterSwitch?: ReadonlyArray<string> };

export const unchanged = (summary: string): TaskOutcome => ({ changed: false, summary });
export const changed = (summary: string): TaskOutcome => ({ changed: true, summary });
