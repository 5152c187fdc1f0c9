import { describe, expect, it } from 'vitest';
import { changedSettings } from './changes';
import { appConfigInput } from '@/lib/model/app-config';
import { appFormInput, configFromForm } from './form-input';
import { cronText, settingsTexts, workersText } from './form-lines';

const errors = (input: Record<string, unknown>) => {
  const r = appFormInput.safeParse(input);
  return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message]));
};
const SERVER = '0b5f3c1e-8a2d-4d7e-9c41-2f6a8e0d1b23';

describe('app form input', () => {
  it('turns form text into a typed config, with roles per chosen server', () => {
    const r = appFormInput.parse({
      name: 'Shop',
      slug: 'shop',
      kind: 'php',
      domains: 'shop.test, www.shop.test',
      maxChildren: '7',
      scheduler: ['off', 'on'],
      serverIds: 'a',
      'role-a': 'worker',
    });
    expect(r).toMatchObject({
      name: 'Shop',
      placements: [{ serverId: 'a', roles: ['worker'] }],
      config: { slug: 'shop', domains: ['shop.test', 'www.shop.test'], pool: { maxChildren: 7 }, scheduler: true },
    });
    const p = appFormInput.parse({
      name: 'Api',
      slug: 'api',
      kind: 'process',
      domains: 'api.test',
      port: '9301',
      processCommand: 'node  server.js',
      serverIds: ['a', 'b'],
      'role-b': 'both',
    });
    expect(p.config).toMatchObject({ kind: 'process', port: 9301, processArgv: ['node', 'server.js'] });
    expect(p.placements).toEqual([
      { serverId: 'a', roles: ['web', 'worker'] },
      { serverId: 'b', roles: ['web', 'worker'] },
    ]);
  });

  it('reports config errors under the form field names', () => {
    expect(errors({ name: 'x', slug: 'x;y', kind: 'php', domains: 'bad domain;', maxChildren: '0', webRoot: '../etc' })).toMatchObject({
      slug: expect.stringMatching(/slug/),
      domains: expect.stringMatching(/domain name/),
      maxChildren: 'max_children must be at least 1',
      webRoot: expect.stringMatching(/\.\./),
    });
    expect(errors({ name: 'x', slug: 'api', kind: 'process', domains: 'api.test' })).toEqual({
      processCommand: 'A process app needs a port and a command',
    });
  });

  it('shows every error at once even when the name is missing, and names the bad value in a list', () => {
    expect(errors({ name: '', slug: 'x;y', kind: 'php', domains: 'ok.test bad;name', sharedPaths: 'storage ../etc' })).toMatchObject({
      name: 'Name is required',
      slug: expect.stringMatching(/slug/),
      domains: expect.stringMatching(/^"bad;name": Enter a domain name/),
      sharedPaths: expect.stringMatching(/^"\.\.\/etc": A path may not contain/),
    });
    expect(
      errors({ name: 'x', slug: 'api', kind: 'process', domains: 'api.test', port: '9301', processCommand: 'node a.js > log.txt' }),
    ).toEqual({ processCommand: expect.stringMatching(/^">" needs a shell/) });
    expect(
      errors({ name: 'x', slug: 'dup', kind: 'php', domains: 'a.test a.test', repository: 'https://me:token@github.com/x/y.git' }),
    ).toMatchObject({ domains: 'A domain is listed twice', repository: expect.stringMatching(/Remove the credentials/) });
  });
});

describe('settings over a stored config', () => {
  const base = appConfigInput.parse({ slug: 'shop', kind: 'php', domains: ['shop.test'], scheduler: true, pool: { maxChildren: 5 } });

  it('keeps what the form did not send, and reads an unticked checkbox as off', () => {
    const onlyPool = configFromForm({ maxChildren: '9' }, base);
    expect(onlyPool).toMatchObject({ ok: true, config: { scheduler: true, domains: ['shop.test'], pool: { maxChildren: 9 } } });
    const unticked = configFromForm({ scheduler: 'off', postgres: ['off', 'on'] }, base);
    expect(unticked).toMatchObject({ ok: true, config: { scheduler: false, dataServices: { postgres: true, redis: false } } });
  });

  it('parses workers and cron lines and names the text-area line of each error', () => {
    const ok = configFromForm(
      {
        workers: 'default 2 php artisan queue:work\n\n# mail\nmail 1 @web-1 stopwait=30 php artisan queue:work --queue=mail',
        cron: '*/5 * * * * php artisan inspire',
      },
      base,
      new Map([['web-1', SERVER]]),
    );
    expect(ok.ok && ok.config.workers).toEqual([
      { name: 'default', processes: 2, stopWaitSeconds: 60, serverIds: [], argv: ['php', 'artisan', 'queue:work'] },
      { name: 'mail', processes: 1, stopWaitSeconds: 30, serverIds: [SERVER], argv: ['php', 'artisan', 'queue:work', '--queue=mail'] },
    ]);
    expect(ok.ok && cronText(ok.config.cron)).toBe('*/5 * * * * php artisan inspire');
    expect(ok.ok && workersText(ok.config.workers, new Map([[SERVER, 'web-1']]))).toBe(
      'default 2 stopwait=60 php artisan queue:work\nmail 1 @web-1 stopwait=30 php artisan queue:work --queue=mail',
    );

    const bad = configFromForm({ workers: 'ok 1 sleep 5\n\nBad!Name 1 sleep 5\nnocount sleep', cron: '61 * * * * true\n* * * true' }, base);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.fieldErrors.workers).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Line 4: write a name, a process count/),
        expect.stringMatching(/^Line 3: A worker name/),
      ]),
    );
    expect(bad.fieldErrors.cron).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Line 2: write five schedule fields/),
        expect.stringMatching(/^Line 1: minute: 61 is out of range/),
      ]),
    );
  });

  it('refuses a pool php-fpm would refuse, an unknown worker server, and a snippet that closes the server block', () => {
    const bad = configFromForm(
      {
        pm: 'dynamic',
        maxChildren: '2',
        minSpareServers: '1',
        maxSpareServers: '3',
        startServers: '2',
        workers: 'w 1 @nowhere sleep 1',
        nginxSnippet: '} server { listen 80;',
      },
      base,
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.fieldErrors.maxSpareServers).toEqual(['max_spare_servers must be ≤ max_children']);
    expect(bad.fieldErrors.workers).toEqual(['Line 1: no server named nowhere runs this app']);
    expect(bad.fieldErrors.nginxSnippet).toEqual(['Braces { } must balance inside the snippet']);
  });

  it('reads the release settings: commands one per line, hooks with their options, and writes them back the same', () => {
    const servers = new Map([['web-1', SERVER]]);
    const r = configFromForm(
      {
        buildCommands: 'composer install --no-dev\nnpm ci',
        releaseCommands: 'php artisan config:cache',
        hooks: '@web-1 migration php artisan migrate --force\nphp artisan storage:link',
        preSwitchCheck: 'php artisan about',
        restartCommand: '',
        keepReleases: '7',
        // The checkbox's hidden "off" alone: unticked.
        gate: 'off',
        watchWindowS: '30',
      },
      base,
      servers,
    );
    expect(r.ok && r.config.release).toEqual({
      buildCommands: [
        ['composer', 'install', '--no-dev'],
        ['npm', 'ci'],
      ],
      buildTimeoutS: 600,
      releaseCommands: [['php', 'artisan', 'config:cache']],
      hooks: [
        { argv: ['php', 'artisan', 'migrate', '--force'], serverId: SERVER, migration: true },
        { argv: ['php', 'artisan', 'storage:link'], migration: false },
      ],
      preSwitchCheck: ['php', 'artisan', 'about'],
      keepReleases: 7,
      gate: false,
      watchWindowS: 30,
      watchErrorRisePct: 10,
    });
    if (!r.ok) return;
    const texts = settingsTexts(r.config, new Map([[SERVER, 'web-1']]));
    expect(texts.hooks).toBe('@web-1 migration php artisan migrate --force\nphp artisan storage:link');
    const again = configFromForm(
      { buildCommands: texts.buildCommands, hooks: texts.hooks, preSwitchCheck: texts.preSwitch },
      r.config,
      servers,
    );
    expect(again.ok && again.config.release).toEqual(r.config.release);

    const bad = configFromForm(
      { buildCommands: 'npm ci\nnpm ci && npm run build', hooks: '@nowhere php artisan migrate', keepReleases: '1' },
      base,
      servers,
    );
    expect(!bad.ok && bad.fieldErrors).toMatchObject({
      buildCommands: [expect.stringMatching(/^Line 2: "&&" needs a shell/)],
      hooks: ['Line 1: no server named nowhere runs this app'],
      keepReleases: [expect.stringMatching(/2/)],
    });
  });

  it('names what changed for the audit trail', () => {
    const after = configFromForm({ maxChildren: '9', branch: 'release' }, base);
    expect(after.ok && changedSettings(base, after.config)).toEqual(['pool.maxChildren', 'branch']);
  });

  it('reads the env push settings: commands one per line (line-numbered errors) and the restart checkbox', () => {
    expect(base.env).toEqual({ postPushCommands: [], restartAfterPush: true });
    const r = configFromForm({ postPushCommands: 'php artisan config:cache\n\nphp artisan route:cache', restartAfterPush: 'off' }, base);
    expect(r.ok && r.config.env).toEqual({
      postPushCommands: [
        ['php', 'artisan', 'config:cache'],
        ['php', 'artisan', 'route:cache'],
      ],
      restartAfterPush: false,
    });
    if (!r.ok) return;
    expect(settingsTexts(r.config, new Map()).postPushCommands).toBe('php artisan config:cache\nphp artisan route:cache');
    expect(configFromForm({ restartAfterPush: ['off', 'on'] }, r.config)).toMatchObject({
      ok: true,
      config: { env: { postPushCommands: r.config.env.postPushCommands, restartAfterPush: true } },
    });
    const bad = configFromForm({ postPushCommands: 'php artisan config:cache\nphp artisan a | tee log' }, base);
    expect(!bad.ok && bad.fieldErrors.postPushCommands).toEqual([expect.stringMatching(/^Line 2: "\|" needs a shell/)]);
    const tooMany = configFromForm({ postPushCommands: Array.from({ length: 21 }, () => 'true').join('\n') }, base);
    expect(!tooMany.ok && tooMany.fieldErrors.postPushCommands).toEqual([expect.stringMatching(/20/)]);
  });
});
