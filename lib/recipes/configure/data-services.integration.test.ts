import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApp } from '@/db/queries/apps';
import { listEnvKeys, openEnvValues } from '@/db/queries/env-values';
import { createRun, findRun, tasksOf } from '@/db/queries/runs';
import { recipeRuns, taskRuns, type App } from '@/db/schema';
import { appConfigInput } from '@/lib/model/app-config';
import { runConfigure } from '@/lib/apps/configure-job';
import { dataServerKey, dataServiceWarnings } from '@/lib/apps/data-services';
import { getSetting } from '@/db/queries/settings';
import { and, cmd, ignoreFailure, render } from '@/lib/remote/command';
import { ADMIN_PSQL } from './database';
import { REDIS_OPEN_WARNING, postgresTrustWarning } from './data-warnings';
import { scramVerifier, scramVerifies } from './postgres-sql';
import { passwordHash } from './redis-acl';
import { testbedServer } from '@/test-support/testbed-server';

// Two apps with both data services on berth-host-1, against this machine's Postgres and Redis
// (the host shares its network namespace), through the real configure job.
const SLUGS = ['dsalpha', 'dsbeta'] as const;
const PROBE_ROLE = 'berth_ds_probe';
let bed: Awaited<ReturnType<typeof testbedServer>>;
let admin: pg.Client;
const apps: Record<string, App> = {};

const pgAs = async (user: string, password: string, database: string) => {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user, password, database });
  await client.connect();
  return client;
};
const redisAs = async (username: string, password: string) => {
  const auth = username === 'default' ? {} : { username, password };
  const client = createClient({ socket: { host: '127.0.0.1', port: 6379, reconnectStrategy: false }, ...auth });
  client.on('error', () => {});
  await client.connect();
  return client;
};
const envOf = (slug: string) => openEnvValues(bed.t.db, bed.ring, apps[slug]!.id);

async function configure(slug: string) {
  const run = await createRun(bed.t.db, { serverId: bed.server.id, recipe: 'configure', appId: apps[slug]!.id });
  await runConfigure(bed.t.db, bed.ring, run.id, new AbortController().signal);
  const rows = await tasksOf(bed.t.db, run.id);
  const tasks = Object.fromEntries(rows.map((x) => [x.name, x.status]));
  const summaries = Object.fromEntries(rows.map((x) => [x.name, x.summary ?? '']));
  return { run: (await findRun(bed.t.db, run.id))!, tasks, summaries };
}

async function dropAll() {
  for (const slug of SLUGS) await admin.query(`DROP DATABASE IF EXISTS app_${slug} WITH (FORCE)`);
  for (const role of [...SLUGS.map((s) => `app_${s}`), PROBE_ROLE]) await admin.query(`DROP ROLE IF EXISTS ${role}`);
  const redis = await redisAs('default', '');
  await redis.sendCommand(['ACL', 'DELUSER', ...SLUGS.map((s) => `berth-${s}`)]);
  for (const slug of SLUGS) for (const key of await redis.keys(`${slug}:*`)) await redis.del(key);
  await redis.quit();
}

beforeAll(async () => {
  admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  await admin.connect();
  await dropAll();
  bed = await testbedServer('berth-host-1', 'data-test');
  for (const slug of SLUGS) {
    const config = appConfigInput.parse({ slug, kind: 'static', domains: [`${slug}.test`], dataServices: { postgres: true, redis: true } });
    apps[slug] = await insertApp(bed.t.db, { slug, name: slug, config }, [{ serverId: bed.server.id, roles: ['web', 'worker'] }]);
  }
});

afterAll(async () => {
  if (bed) {
    for (const slug of SLUGS)
      await bed.transport.exec(and(ignoreFailure(cmd('userdel', slug)), cmd('rm', '-rf', `/var/www/${slug}`, `/var/log/berth/${slug}`)));
    await bed.cleanup([...SLUGS]);
  }
  if (admin) {
    await dropAll();
    await admin.end();
  }
});

describe('per-app data services on a real server', () => {
  it('creates each database, role and Redis user, with credentials sealed as managed env values', async () => {
    for (const slug of SLUGS) {
      const { run, tasks } = await configure(slug);
      expect(run.status, run.error ?? '').toBe('succeeded');
      expect(tasks).toMatchObject({ database: 'changed', redis: 'changed' });
    }
    const env = await envOf('dsalpha');
    expect(env).toMatchObject({
      DB_CONNECTION: 'pgsql',
      DB_HOST: '127.0.0.1',
      DB_PORT: '5432',
      DB_DATABASE: 'app_dsalpha',
      DB_USERNAME: 'app_dsalpha',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: '6379',
      REDIS_USERNAME: 'berth-dsalpha',
      REDIS_PREFIX: 'dsalpha:',
    });
    expect(env.DB_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(env.REDIS_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(env.DB_PASSWORD).not.toBe((await envOf('dsbeta')).DB_PASSWORD);
    expect((await listEnvKeys(bed.t.db, apps.dsalpha!.id)).every((k) => k.managed)).toBe(true);
  });

  it("A's role uses its own database, cannot connect to B's, and PUBLIC connects to neither", async () => {
    const a = await envOf('dsalpha');
    const own = await pgAs(a.DB_USERNAME!, a.DB_PASSWORD!, a.DB_DATABASE!);
    await own.query('CREATE TABLE notes (id int primary key, body text)');
    await own.query("INSERT INTO notes VALUES (1, 'hello')");
    expect((await own.query('SELECT body FROM notes')).rows).toEqual([{ body: 'hello' }]);
    await own.end();
    await expect(pgAs(a.DB_USERNAME!, a.DB_PASSWORD!, 'app_dsbeta')).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/permission denied for database "?app_dsbeta/),
    });

    await admin.query(`CREATE ROLE ${PROBE_ROLE} LOGIN PASSWORD 'probe-password'`);
    for (const database of ['app_dsalpha', 'app_dsbeta']) {
      await expect(pgAs(PROBE_ROLE, 'probe-password', database)).rejects.toMatchObject({ code: '42501' });
    }
    const { rows } = await admin.query("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'app_dsalpha'");
    expect(rows).toEqual([{ owner: 'app_dsalpha' }]);
  });

  it('stores a SCRAM verifier Postgres itself would make, for the sealed password', async () => {
    // pg_hba here trusts 127.0.0.1, so a login does not prove the password: compare verifiers instead.
    const verifierOf = async (role: string) =>
      (await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role])).rows[0].rolpassword as string;
    expect(scramVerifies(await verifierOf(PROBE_ROLE), 'probe-password')).toBe(true); // our SCRAM = Postgres's SCRAM
    expect(scramVerifies(await verifierOf('app_dsalpha'), (await envOf('dsalpha')).DB_PASSWORD!)).toBe(true);
    expect(scramVerifies(await verifierOf('app_dsalpha'), (await envOf('dsbeta')).DB_PASSWORD!)).toBe(false);
  });

  it("A's Redis user reads and writes its prefix, gets NOPERM on B's keys and cannot list key names", async () => {
    const [a, b] = [await envOf('dsalpha'), await envOf('dsbeta')];
    const asB = await redisAs(b.REDIS_USERNAME!, b.REDIS_PASSWORD!);
    await asB.set('dsbeta:secret', 'beta-only');
    await asB.quit();
    const asA = await redisAs(a.REDIS_USERNAME!, a.REDIS_PASSWORD!);
    await asA.set('dsalpha:greeting', 'hi');
    expect(await asA.get('dsalpha:greeting')).toBe('hi');
    await expect(asA.get('dsbeta:secret')).rejects.toThrow(/NOPERM/);
    await expect(asA.set('dsbeta:secret', 'overwritten')).rejects.toThrow(/NOPERM/);
    for (const command of [
      ['SCAN', '0'],
      ['KEYS', '*'],
      ['RANDOMKEY'],
      ['PUBSUB', 'CHANNELS'],
      ['FLUSHALL'],
      ['CONFIG', 'GET', '*'],
      ['SORT', 'dsalpha:l', 'BY', 'dsbeta:*'],
    ]) {
      await expect(asA.sendCommand(command), command.join(' ')).rejects.toThrow(/NOPERM/);
    }
    await expect(asA.subscribe('dsbeta:events', () => {})).rejects.toThrow(/NOPERM/);
    await asA.quit();
    await expect(redisAs(a.REDIS_USERNAME!, b.REDIS_PASSWORD!)).rejects.toThrow(/WRONGPASS/);

    // Yet this machine's default user needs no password (and Berth may not change that): anyone
    // local reads B's keys without logging in, so the redis task's summary carries the warning.
    const anyone = await redisAs('default', '');
    expect(await anyone.get('dsbeta:secret')).toBe('beta-only');
    await anyone.quit();
    const { summaries } = await configure('dsbeta');
    expect(summaries.redis).toBe(
      `ACL user berth-dsbeta limited to keys and channels dsbeta:*; kept in memory only (no aclfile): a Redis restart loses it, the next configure restores it. ${REDIS_OPEN_WARNING}`,
    );
  });

  it('says, in the task summaries and on the card, that this machine lets any local user past both', async () => {
    // pg_hba here trusts 127.0.0.1 (the test hosts' path) and the local socket: nobody logs in as postgres.
    const { summaries } = await configure('dsalpha');
    expect(summaries.database).toBe(
      `database app_dsalpha owned by role app_dsalpha, which alone may connect. ${postgresTrustWarning('from 127.0.0.1')}`,
    );
    expect(await dataServiceWarnings(bed.t.db, apps.dsalpha!.id, bed.server.id)).toEqual([
      postgresTrustWarning('from 127.0.0.1'),
      REDIS_OPEN_WARNING,
    ]);
    const socketProbe = execFileSync('sh', ['-c', render(ADMIN_PSQL.socket.trustProbe)], { input: 'SELECT 1;\n', encoding: 'utf8' });
    expect(socketProbe.trim()).toBe('1');
    // The data server is pinned where the credentials were made, outside the app's env.
    expect(await getSetting(bed.t.db, dataServerKey(apps.dsalpha!.id))).toBe(bed.server.id);
  });

  it('a second configure reports both unchanged; lost state (a Redis restart, a changed password) is restored', async () => {
    expect((await configure('dsalpha')).tasks).toMatchObject({ database: 'unchanged', redis: 'unchanged' });
    const redis = await redisAs('default', '');
    await redis.sendCommand(['ACL', 'DELUSER', 'berth-dsalpha']); // what a restart without an aclfile does
    await redis.quit();
    await admin.query(`ALTER ROLE app_dsalpha PASSWORD '${scramVerifier('someone-else')}'`);
    const again = await configure('dsalpha');
    expect(again.tasks).toMatchObject({ database: 'changed', redis: 'changed' });
    const a = await envOf('dsalpha');
    const asA = await redisAs(a.REDIS_USERNAME!, a.REDIS_PASSWORD!);
    expect(await asA.get('dsalpha:greeting')).toBe('hi');
    await asA.quit();
    expect((await configure('dsalpha')).tasks).toMatchObject({ database: 'unchanged', redis: 'unchanged' });
  });

  it('no stored run, task log or error holds a password, its hash or its verifier', async () => {
    const stored = JSON.stringify([await bed.t.db.select().from(recipeRuns), await bed.t.db.select().from(taskRuns)]);
    expect(stored).toContain(`admin connection: ${ADMIN_PSQL.tcp.via}`); // the test hosts have their own /run: no socket
    for (const slug of SLUGS) {
      const env = await envOf(slug);
      for (const secret of [env.DB_PASSWORD!, env.REDIS_PASSWORD!, passwordHash(env.REDIS_PASSWORD!)]) expect(stored).not.toContain(secret);
    }
    const verifier = (await admin.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_dsalpha'")).rows[0].rolpassword as string;
    expect(stored).not.toContain(verifier.split('$')[2]!);
  });

  it('the real-server admin path (runuser postgres, local socket) works where the socket is, as on this machine', () => {
    const out = execFileSync('sh', ['-c', render(ADMIN_PSQL.socket.command)], { input: 'SELECT current_user;\n', encoding: 'utf8' });
    expect(out.trim()).toBe('postgres');
  });
});
