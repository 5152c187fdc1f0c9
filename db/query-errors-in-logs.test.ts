import { randomBytes } from 'node:crypto';
import { formatWithOptions } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CallbackRouteError } from '@auth/core/errors';
import { insertUser } from '@/db/queries/users';
import type { User } from '@/db/schema';
import { makeAuthedAction } from '@/lib/auth/action-core';
import { scrubConsole } from '@/lib/log/scrub';
import { createTestDb, type TestDb } from '@/test-support/test-db';

/**
 * The canary: a failed insert of a user row whose password hash and name are unique strings.
 * The action wrapper logs the error as the panel does (lib/auth/action.ts: console.error with the
 * error), into a console stand-in scrubbed the way boot scrubs the real one. Here, not under
 * lib/, so it also runs on Postgres, whose errors are shaped differently from PGlite's.
 */
let t: TestDb;
let owner: User;
const lines: string[] = [];
const raw: unknown[] = [];
const print = (...args: unknown[]) => lines.push(formatWithOptions({ colors: false, depth: 10 }, ...args));
const sink = { error: print, warn: print, log: print, info: print, debug: print, trace: print };
scrubConsole(sink);

const authedAction = makeAuthedAction({
  db: () => t.db,
  currentUser: async () => owner,
  clientIp: async () => null,
  deny: () => {
    throw new Error('denied');
  },
  rethrowControlFlow: () => {},
  logError: (err) => {
    raw.push(err);
    sink.error('[action]', err);
  },
});

beforeAll(async () => {
  t = await createTestDb();
  owner = await insertUser(t.db, { email: 'owner@berth.test', name: 'Owner', role: 'owner', passwordHash: 'x' });
});
afterAll(async () => t.close());
beforeEach(() => {
  lines.length = 0;
  raw.length = 0;
});

const canary = () => `canary${randomBytes(8).toString('hex')}`;

describe('database errors reach the log without their parameter values', () => {
  it('a duplicate user insert: the hash and the name are not logged, the query and the constraint are', async () => {
    const hash = `$argon2id$v=19$m=19456,t=2,p=1$${canary()}`;
    const name = canary();
    const add = authedAction({ audit: 'user.create', role: 'admin', schema: z.unknown() }, async (_input, ctx) =>
      insertUser(ctx.db, { email: owner.email, name, role: 'viewer', passwordHash: hash }),
    );
    expect(await add(null, {})).toMatchObject({ ok: false, code: 'internal' });

    // The canary is really in the error: unscrubbed, it would be printed.
    expect(formatWithOptions({ depth: 10 }, raw[0])).toContain(name);
    expect(lines).toHaveLength(1);
    const logged = lines[0]!;
    expect(logged).not.toContain(name);
    expect(logged).not.toContain('$argon2id');
    expect(logged).toContain('Failed query: insert into "users"');
    expect(logged).toContain('users_email_unique');
    expect(logged).toContain('23505');
  });

  it('a message interpolated into a log line loses its parameters too', async () => {
    const secret = canary();
    const err = await insertUser(t.db, { email: owner.email, name: secret, role: 'viewer', passwordHash: secret }).catch((e: Error) => e);
    sink.warn(`berth: adding a user failed: ${(err as Error).message}`);
    expect((err as Error).message).toContain(secret);
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain('berth: adding a user failed: Failed query: insert into "users"');
  });

  it('an error Auth.js wrapped (its cause a plain object: { err, ...cause }) or passed inside an object is scrubbed too', async () => {
    const secret = canary();
    const err = await insertUser(t.db, { email: owner.email, name: secret, role: 'viewer', passwordHash: secret }).catch((e: Error) => e);
    // Auth.js constructs it from the thrown error at run time; its types only admit a message.
    const wrapped = new (CallbackRouteError as unknown as new (e: Error) => Error)(err as Error);
    expect(formatWithOptions({ depth: 10 }, wrapped)).toContain(secret);
    sink.error('[auth]', wrapped);
    sink.error('berth:', { err, detail: `Failing row contains (${secret})`, note: 'kept' });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain(secret);
    expect(lines[0]).toContain('Failed query: insert into "users"');
    expect(lines[1]).toContain("note: 'kept'");
  });
});
