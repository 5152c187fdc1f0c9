import type { z } from 'zod';
import type { Db } from '@/db';
import type { User } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import { hasRole } from './roles';
import type { Role } from '@/lib/model/roles';

export type FieldErrors = Record<string, string[]>;
/**
 * Why an action did not run, stable for API clients (lib/api maps each to an HTTP status):
 * `rejected` is the domain saying no (a lock held, a rule broken), with a message to show.
 */
export type ErrorCode = 'invalid_input' | 'rejected' | 'not_found' | 'conflict' | 'destructive' | 'internal';

export type ActionResult<T = unknown> =
  | { ok: true; data: T; message?: string }
  | { ok: false; error: string; code: ErrorCode; fieldErrors?: FieldErrors };

/** A failure the user can act on: its message and field errors go back to the form as they are. */
export class ActionError extends Error {
  override name = 'ActionError';
  constructor(
    message: string,
    readonly fieldErrors?: FieldErrors,
    readonly code: ErrorCode = 'rejected',
  ) {
    super(message);
  }
}

export type ActionContext = {
  user: User;
  ip: string | null;
  db: Db;
  /** What the action touched, for the audit row (e.g. "user:12"). */
  setTarget(target: string): void;
  setDetails(details: Record<string, unknown>): void;
};

export type ActionSpec<S extends z.ZodType> = {
  /** The audit name, "<entity>.<verb>". */
  audit: string;
  role: Role;
  schema: S;
};

/** What the wrapper needs from the outside world; injected so the wrapper itself is unit-tested. */
export type ActionDeps = {
  db(): Db;
  currentUser(): Promise<User | null>;
  clientIp(): Promise<string | null>;
  /** Ends the request: 401 (no session) or 403 (role). Must throw. */
  deny(status: 401 | 403): never;
  /** Lets the framework's own control flow (redirect(), notFound()) pass through untouched. */
  rethrowControlFlow(err: unknown): void;
  logError(err: unknown): void;
  /** Written into every audit row's details, e.g. which API token acted. */
  via?: Record<string, unknown>;
};

export type ServerAction<T> = (prev: unknown, payload: unknown) => Promise<ActionResult<T>>;

export function formDataToObject(payload: unknown): unknown {
  if (!(payload instanceof FormData)) return payload;
  const out: Record<string, unknown> = {};
  for (const [key, value] of payload.entries()) {
    if (key.startsWith('$ACTION')) continue; // React's own bookkeeping fields
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || '_form';
    out[key] = [...(out[key] ?? []), issue.message];
  }
  return out;
}

/**
 * Session → role → input → run → audit, in that order, for every mutating server action.
 * A denial is audited before the request ends with 401/403; nothing runs.
 */
export function makeAuthedAction(deps: ActionDeps) {
  return function authedAction<S extends z.ZodType, T>(
    spec: ActionSpec<S>,
    run: (input: z.output<S>, ctx: ActionContext) => Promise<T>,
  ): ServerAction<T> {
    return async (_prev, payload) => {
      const db = deps.db();
      const ip = await deps.clientIp();
      const user = await deps.currentUser();
      const audit = { action: spec.audit, ip, details: deps.via };
      if (!user) {
        await recordAudit(db, { ...audit, outcome: 'denied', reason: 'not signed in' });
        deps.deny(401);
      }
      if (!hasRole(user.role, spec.role)) {
        await recordAudit(db, { ...audit, actor: user, outcome: 'denied', reason: `requires ${spec.role}, has ${user.role}` });
        deps.deny(403);
      }
      const parsed = spec.schema.safeParse(formDataToObject(payload));
      if (!parsed.success) {
        await recordAudit(db, { ...audit, actor: user, outcome: 'failure', reason: 'invalid input' });
        return {
          ok: false,
          error: 'Please correct the highlighted fields.',
          code: 'invalid_input',
          fieldErrors: fieldErrorsOf(parsed.error),
        };
      }
      let target: string | undefined;
      let details: Record<string, unknown> | undefined;
      const ctx: ActionContext = { user, ip, db, setTarget: (t) => (target = t), setDetails: (d) => (details = d) };
      try {
        const data = await run(parsed.data, ctx);
        await recordAudit(db, {
          ...audit,
          actor: user,
          target,
          details: deps.via || details ? { ...deps.via, ...details } : undefined,
          outcome: 'success',
        });
        return { ok: true, data };
      } catch (err) {
        deps.rethrowControlFlow(err);
        const known = err instanceof ActionError;
        if (!known) deps.logError(err);
        const reason = known ? err.message : 'internal error';
        await recordAudit(db, { ...audit, actor: user, target, outcome: 'failure', reason });
        return known
          ? { ok: false, error: err.message, code: err.code, fieldErrors: err.fieldErrors }
          : { ok: false, error: 'Something went wrong; the error was logged.', code: 'internal' };
      }
    };
  };
}
