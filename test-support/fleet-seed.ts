import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '@/db';
import type { KeyRing } from '@/lib/crypto';
import { appConfigInput } from '@/lib/model/app-config';
import { saveTarget } from '@/lib/backups/targets';
import { newHeartbeatToken, tokenColumns } from '@/lib/monitors/heartbeat';
import { sealChannelConfig } from '@/lib/notify/channel-config';
import type { ChannelConfig } from '@/lib/notify/config';
import { generateKeyPair, sealPrivateKey } from '@/lib/servers/keys';

export const SEED_FP = `SHA256:${'Q'.repeat(43)}`;

/**
 * One of every kind the panel stores (two servers; a PHP app with a pinned worker and a per-server
 * migrate hook, a process app, a static app; an HTTP and a heartbeat monitor plus one Berth keeps
 * itself; a Telegram and a webhook channel), written as plain SQL with the columns that existed
 * before definitions (migration 0011), so the upgrade test can seed a database of that age.
 */
export async function seedEveryKind(db: Db, ring: KeyRing): Promise<void> {
  const web1 = randomUUID();
  const web2 = randomUUID();
  for (const [id, name, host] of [
    [web1, 'web-1', '10.0.0.5'],
    [web2, 'web-2', '10.0.0.6'],
  ] as const) {
    const keys = generateKeyPair(`berth@${name}`);
    await db.execute(sql`insert into servers (id, name, host, port, username, bind_address, php_versions, private_key_sealed, public_key,
      host_key_fingerprint, host_key_pinned_at, provisioned_at)
      values (${id}, ${name}, ${host}, 22, 'root', ${host}, ${sql.raw("'{8.2}'")}, ${sealPrivateKey(ring, id, keys.privateKey)},
      ${keys.publicKey}, ${SEED_FP}, now(), now())`);
  }
  const app = async (name: string, config: unknown, placements: [string, string[]][]) => {
    const id = randomUUID();
    const parsed = appConfigInput.parse(config);
    await db.execute(
      sql`insert into apps (id, slug, name, config) values (${id}, ${parsed.slug}, ${name}, ${JSON.stringify(parsed)}::jsonb)`,
    );
    for (const [serverId, roles] of placements)
      await db.execute(
        sql`insert into app_servers (app_id, server_id, roles) values (${id}, ${serverId}, ${`{${roles.join(',')}}`}::text[])`,
      );
    return id;
  };
  const shop = await app(
    'Shop',
    {
      slug: 'shop',
      kind: 'php',
      domains: ['shop.example.com', 'www.shop.example.com'],
      repository: 'git@github.com:acme/shop.git',
      pool: { maxChildren: 8 },
      workers: [{ name: 'queue', argv: ['php', 'artisan', 'queue:work'], processes: 2, serverIds: [web1] }],
      scheduler: true,
      cron: [{ schedule: '*/5 * * * *', argv: ['php', 'artisan', 'report'] }],
      sharedPaths: ['storage'],
      release: {
        buildCommands: [['composer', 'install', '--no-dev']],
        hooks: [{ argv: ['php', 'artisan', 'migrate', '--force'], serverId: web1, migration: true }],
        preSwitchCheck: ['php', 'artisan', 'about'],
      },
      tls: { mode: 'acme', acmeEmail: 'ops@example.com' },
    },
    [
      [web1, ['web', 'worker']],
      [web2, ['web']],
    ],
  );
  await app(
    'API',
    { slug: 'api', kind: 'process', domains: ['api.example.com'], port: 4100, processArgv: ['node', 'server.js'], memoryLimitMb: 256 },
    [[web2, ['web', 'worker']]],
  );
  await app('Docs', { slug: 'docs', kind: 'static', domains: ['docs.example.com'], webRoot: 'dist', nginxSnippet: 'gzip on;' }, [
    [web1, ['web']],
  ]);

  await db.execute(sql`insert into monitors (name, kind, url, interval_s, timeout_ms, expected_status, keyword, retries)
    values ('home', 'http', 'https://shop.example.com/', 30, 5000, '200,301-302', 'Welcome', 2)`);
  const beat = randomUUID();
  const token = tokenColumns(ring, beat, newHeartbeatToken());
  await db.execute(sql`insert into monitors (id, name, kind, interval_s, grace_s, token_hash, token_sealed, paused)
    values (${beat}, 'backups', 'heartbeat', 86400, 600, ${token.tokenHash}, ${token.tokenSealed}, true)`);
  await db.execute(sql`insert into monitors (name, kind, app_id, server_id, auto_key, url, resolve_to)
    values ('shop.example.com on web-1', 'http', ${shop}, ${web1}, ${`${shop}:${web1}:shop.example.com`}, 'https://shop.example.com/', '10.0.0.5')`);

  const channel = async (name: string, kind: string, events: string[], config: ChannelConfig) => {
    const id = randomUUID();
    await db.execute(sql`insert into notification_channels (id, name, kind, config_sealed, events)
      values (${id}, ${name}, ${kind}, ${sealChannelConfig(ring, id, config)}, ${`{${events.join(',')}}`}::text[])`);
  };
  await channel('ops', 'telegram', ['monitor.down', 'release.failed'], {
    kind: 'telegram',
    botToken: '123456789:AAbbccddeeffgghhiijjkkllmm',
    chatId: '-1001234567890',
    apiBase: 'https://api.telegram.org',
  });
  await channel('hooks', 'webhook', ['monitor.down'], {
    kind: 'webhook',
    url: 'https://hooks.example.com/berth',
    headerName: 'X-Berth-Secret',
    headerValue: 'not-so-secret',
  });
}

/** A backup target and a policy on shop that names it (a separate step: the upgrade test seeds a schema from before backups). */
export async function seedBackups(db: Db, ring: KeyRing): Promise<void> {
  await saveTarget(db, ring, {
    name: 'offsite',
    settings: { kind: 's3', endpoint: 'https://s3.example.com', region: 'eu-1', bucket: 'acme-backups/berth', accessKeyId: 'AKIAEXAMPLE' },
    credential: 'S3-SECRET-never-exported',
  });
  const policy = { name: 'nightly', target: 'offsite', files: ['storage/app'], retention: { daily: 7, weekly: 4, monthly: 3 } };
  await db.execute(sql`update apps set config = jsonb_set(config, '{backups}', ${JSON.stringify([policy])}::jsonb) where slug = 'shop'`);
}
