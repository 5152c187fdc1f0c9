import type { z } from 'zod';
import type { Db } from '@/db';
import { makeAuthedAction, type ActionContext, type ErrorCode, type FieldErrors } from '@/lib/auth/action-core';
import { authenticateToken, type TokenAuth } from '@/lib/auth/api-tokens';
import { CLIENT_IP_HEADER } from '@/lib/auth/client-ip-header';
import { recordAudit } from '@/lib/audit/record';
import type { Role } from '@/lib/model/roles';
import { readLimited } from '@/lib/releases/webhook';

/**
 * One API operation: the same triple a server action declares (audit name, role, zod schema)
 * and a body that gets the same context. `makeEndpoint` runs it behind a bearer token through
 * the very wrapper the server actions use, so authorization, validation and the audit row are
 * one code path for the browser and the API.
 */
export type ApiOperation<S extends z.ZodType = z.ZodType, T = unknown> = {
  audit: string;
  role: Role;
  schema: S;
  /** The success status: 200 by default, 202 for work that was queued. */
  status?: 200 | 201 | 202;
  run(input: z.output<S>, ctx: ActionContext): Promise<T>;
};

export const apiOperation = <S extends z.ZodType, T>(op: ApiOperation<S, T>) => op;

export type ApiErrorCode = ErrorCode | 'unauthorized' | 'forbidden' | 'invalid_json' | 'too_large';
export type ApiErrorBody = { error: { code: ApiErrorCode; message: string; fieldErrors?: FieldErrors } };

const STATUS: Record<ApiErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  destructive: 409,
  invalid_json: 400,
  invalid_input: 422,
  rejected: 422,
  too_large: 413,
  internal: 500,
};

const NO_STORE = { 'Cache-Control': 'no-store' };

export function apiError(code: ApiErrorCode, message: string, fieldErrors?: FieldErrors): Response {
  const body: ApiErrorBody = { error: { code, message, ...(fieldErrors && { fieldErrors }) } };
  const headers = code === 'unauthorized' ? { ...NO_STORE, 'WWW-Authenticate': 'Bearer realm="berth"' } : NO_STORE;
  return Response.json(body, { status: STATUS[code], headers });
}

/** Definitions are the largest bodies (512 KB of YAML, sent as a JSON string). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

class Denied extends Error {
  constructor(readonly status: 401 | 403) {
    super(`denied ${status}`);
  }
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };

/** The request's input: the query string, then a JSON object body (not for GET), then the path's parameters, which win. */
type Refused = { refused: ApiErrorCode; message: string };

async function readInput(request: Request, context: RouteContext): Promise<{ input: Record<string, unknown> } | Refused> {
  const input: Record<string, unknown> = Object.fromEntries(new URL(request.url).searchParams);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const raw = await readLimited(request.body, MAX_BODY_BYTES);
    if (raw === null) return { refused: 'too_large', message: `The body is over ${MAX_BODY_BYTES / 1024 / 1024} MB.` };
    if (raw.length) {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return { refused: 'invalid_json', message: 'The body is not valid JSON.' };
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return { refused: 'invalid_json', message: 'The body must be a JSON object.' };
      Object.assign(input, body);
    }
  }
  return { input: Object.assign(input, await context.params) };
}

export type EndpointDeps = { db(): Db; logError(err: unknown): void };

/** Who the token speaks for, or the 401 (audited under the operation's name, never with the token). */
export async function tokenUser(
  db: Db,
  request: Request,
  audit: string,
): Promise<{ auth: Extract<TokenAuth, { ok: true }>; ip: string | null } | Response> {
  const ip = request.headers.get(CLIENT_IP_HEADER) || null;
  const auth = await authenticateToken(db, request.headers.get('authorization'), ip);
  if (auth.ok) return { auth, ip };
  await recordAudit(db, {
    action: audit,
    actor: auth.user ?? null,
    outcome: 'denied',
    reason: auth.reason,
    ip,
    details: auth.token ? { via: 'api', token: auth.token.id } : { via: 'api' },
  });
  return apiError('unauthorized', 'A valid API token is required (Authorization: Bearer berth_…).');
}

export function makeEndpoint(deps: EndpointDeps) {
  return function endpoint<S extends z.ZodType, T>(op: ApiOperation<S, T>) {
    const handle = async (request: Request, context: RouteContext): Promise<Response> => {
      const db = deps.db();
      const who = await tokenUser(db, request, op.audit);
      if (who instanceof Response) return who;
      const via = { via: 'api', token: who.auth.token.id };
      const read = await readInput(request, context);
      if ('refused' in read) {
        // A body refused before the operation saw it is a use of the token too: audited as a failure.
        await recordAudit(db, {
          action: op.audit,
          actor: who.auth.user,
          outcome: 'failure',
          reason: read.refused,
          ip: who.ip,
          details: via,
        });
        return apiError(read.refused, read.message);
      }
      const action = makeAuthedAction({
        db: () => db,
        currentUser: async () => who.auth.user,
        clientIp: async () => who.ip,
        deny: (status) => {
          throw new Denied(status);
        },
        rethrowControlFlow: () => {},
        logError: deps.logError,
        via,
      })(op, op.run);
      try {
        const result = await action(null, read.input);
        if (result.ok) return Response.json({ data: result.data }, { status: op.status ?? 200, headers: NO_STORE });
        return apiError(result.code, result.error, result.fieldErrors);
      } catch (err) {
        if (err instanceof Denied) return apiError('forbidden', `This needs the ${op.role} role; the token acts as ${who.auth.user.role}.`);
        throw err;
      }
    };
    // The JSON error shape holds even when something below fails outright (the database is down).
    return async (request: Request, context: RouteContext): Promise<Response> => {
      try {
        return await handle(request, context);
      } catch (err) {
        deps.logError(err);
        return apiError('internal', 'Something went wrong; the panel logged it.');
      }
    };
  };
}
