import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { createRun, findRun, tasksOf } from '@/db/queries/runs';
import { insertUser } from '@/db/queries/users';
import { createTestDb, type TestDb } from '@/test-support/test-db';
import { appConfigInput } from '@/lib/model/app-config';
import { generateKeyText, parseKeyRing } from '@/lib/crypto';
import { appEnvSecrets, envSecrets } from '@/lib/env/secrets';
import { saveEnv } from '@/lib/env/store';
import { cmd } from '@/lib/remote/command';
import { REDACTED } from '@/lib/remote/redact';
import { RecordingTransport } from '@/test-support/recording-transport';
import { createServer } from '@/lib/servers/create';
import { runRecipe } from './runner';
import { changed, type Recipe } from '@/lib/recipes/task';

// What a recipe run stores (task log, summary, run error) passes through the server's redactor,
// which a job acting for an app fills with the app's env values: a scratch database proves it.
const ring = parseKeyRing(generateKeyText(1));
let t: TestDb;
let serverId: string;
let userId: number;

const CANARY = 'canary-7f3a9c-a';
const MULTI = 'first line\nsays "hi" to $HOME\nlast';
const values = { CANARY_A: CANARY, MULTI, APP_DEBUG: 'true', APP_ENV: 'local', DB_PASSWORD: 'pw12' };

beforeAll(async () => {
  t = await createTestDb();
  serverId = (await createServer(t.db, ring, { name: 'redact-test', host: '127.0.0.1', port: 22, username: 'root', bindAddress: null })).id;
  userId = (await insertUser(t.db, { email: 'redact@berth.test', name: 'Redact', role: 'deployer', passwordHash: 'x' })).id;
});
afterAll(async () => t.close());

describe('envSecrets', () => {
  it('hides long values and credentials, keeps short flags, managed names, the slug and domains', () => {
    const secrets = envSecrets(
      {
        values: { ...values, SHORT: 'abcdefg', DB_HOST: '127.0.0.1', SITE: 'shop.test', DB_DATABASE: 'app_shop_db' },
        managed: ['DB_HOST', 'DB_DATABASE', 'DB_PASSWORD'],
      },
      ['shop.test'],
    );
    expect(secrets).toContain(CANARY);
    expect(secrets).toContain(MULTI);
    expect(secrets).toContain('pw12'); // a credential key: the Redactor's own minimum, 4
    expect(secrets).toContain('first line\\nsays \\"hi\\" to \\$HOME\\nlast'); // as shared/.env holds it
    for (const open of ['true', 'local', 'abcdefg', '127.0.0.1', 'shop.test', 'app_shop_db']) expect(secrets).not.toContain(open);
  });

  it('covers the saved values and the revisions a job writes', async () => {
    const config = appConfigInput.parse({ slug: 'redacted', kind: 'php', domains: ['redacted.test'] });
    const app = await insertApp(t.db, { slug: 'redacted', name: 'redacted', config }, []);
    await saveEnv(t.db, ring, app.id, { OLD_TOKEN: 'old-value-123' }, { source: 'edit', createdBy: userId });
    await saveEnv(t.db, ring, app.id, { NEW_TOKEN: 'new-value-456' }, { source: 'edit', createdBy: userId });
    expect(await appEnvSecrets(t.db, ring, { id: app.id, config })).toEqual(['new-value-456']);
    expect((await appEnvSecrets(t.db, ring, { id: app.id, config }, [1])).sort()).toEqual(['new-value-456', 'old-value-123']);
  });
});

describe('runRecipe redaction', () => {
  it('stores [redacted] for env values a task logs, returns in a summary, gets from the server, or throws', async () => {
    const transport = new RecordingTransport('fake', (rendered) =>
      rendered.includes("'cat'")
        ? { stdout: `CANARY_A=${CANARY}\nMULTI="first line\\nsays \\"hi\\" to \\$HOME\\nlast"\nAPP_DEBUG=true\n` }
        : undefined,
    );
    transport.redactor.add(...envSecrets({ values }));
    const recipe: Recipe<null> = {
      name: 'leaky',
      tasks: [
        {
          name: 'print-env',
          run: async (_c, io) => {
            const out = await io.transport.exec(cmd('cat', '.env'));
            for (const line of out.stdout.trimEnd().split('\n')) io.log(line); // ExecResult.stdout is raw
            io.log(`multi: ${MULTI}`);
            io.log(`as JSON: ${JSON.stringify({ MULTI })}`);
            return changed(`printed ${CANARY}`);
          },
        },
        { name: 'throw-env', run: async () => Promise.reject(new Error(`the app said: ${CANARY} and ${MULTI} (APP_DEBUG=true)`)) },
      ],
    };
    const run = await createRun(t.db, { serverId, recipe: recipe.name });
    const result = await runRecipe(t.db, run.id, recipe, null, transport, new AbortController().signal);

    expect(result).toMatchObject({ ok: false, failedTask: 'throw-env' });
    const [printed, thrown] = await tasksOf(t.db, run.id);
    const stored = (await findRun(t.db, run.id))!;
    const everything = JSON.stringify([printed, thrown, stored, result]);
    for (const form of [CANARY, MULTI, JSON.stringify(MULTI).slice(1, -1), 'says "hi" to $HOME', 'says \\"hi\\" to \\$HOME', 'pw12'])
      expect(everything).not.toContain(form);

    expect(printed!.log).toContain(`CANARY_A=${REDACTED}`);
    expect(printed!.log).toContain(`MULTI="${REDACTED}"`);
    expect(printed!.log).toContain('APP_DEBUG=true'); // a short flag is left alone
    expect(printed!.log).toContain(`multi: ${REDACTED}`);
    expect(printed!.log).toContain(`as JSON: {"MULTI":"${REDACTED}"}`);
    expect(printed!.summary).toBe(`printed ${REDACTED}`);
    expect(thrown!.log).toContain(`the app said: ${REDACTED} and ${REDACTED} (APP_DEBUG=true)`);
    expect(thrown!.summary).toContain(`the app said: ${REDACTED}`);
    expect(stored.error).toBe(`the app said: ${REDACTED} and ${REDACTED} (APP_DEBUG=true)`);
  });
});
