import { describe, expect, it } from 'vitest';
import { appConfigInput } from '@/lib/model/app-config';
import { serializeDotenv } from '@/lib/model/dotenv';
import { RecordingTransport } from '@/test-support/recording-transport';
import type { ReleaseContext } from '../release/context';
import { releaseRecipe } from '../release';
import { writeEnv as releaseWriteEnv } from '../release/write-env';
import type { TaskIO } from '../task';
import { envPushRecipe, type EnvPushContext } from './push';

// What an env push and a release's write-env send, rendered: the values travel only as the
// uploaded file's content, never in a command (rule 2). The real thing runs on the test bed.
const values = { APP_KEY: 'base64:hunter2-s3cret', QUOTED: `it's "quoted" $HOME and \${X}`, MULTI: 'line one\nline two', EMPTY: '' };
const secretValues = Object.values(values).filter((v) => v.length >= 4);

function io(transport: RecordingTransport, logs: string[]): TaskIO {
  return { transport, log: (line) => logs.push(line), signal: new AbortController().signal };
}

function fakeServer(current = 'releases/3') {
  return new RecordingTransport('web-1', (text) => {
    if (text.includes(`'readlink' '/var/www/shop/current'`)) return { stdout: `${current}\n` };
    if (text.includes('no-release')) return { stdout: 'created\n' };
  });
}

/** The rendered text without its (nested) quoting, to read what runs. */
const words = (text: string) => text.replace(/['\\]/g, '');

const noValueIn = (texts: string[]) => {
  for (const text of texts) for (const v of secretValues) expect(text).not.toContain(v);
  for (const text of texts) for (const line of values.MULTI.split('\n')) expect(text).not.toContain(line);
};

describe('envPushRecipe', () => {
  const app = appConfigInput.parse({
    slug: 'shop',
    kind: 'php',
    domains: ['shop.test'],
    workers: [{ name: 'default', argv: ['php', 'artisan', 'queue:work'], processes: 1 }],
    env: {
      postPushCommands: [
        ['php', 'artisan', 'config:cache'],
        ['touch', 'pushed.txt'],
      ],
    },
  });
  const ctx = (): EnvPushContext => ({
    app,
    server: { id: 's1', name: 'web-1', address: '10.0.0.1', bindAddress: null },
    roles: ['web', 'worker'],
    env: { revision: 7, values },
  });

  it('uploads the serialized revision as the app user, links current/.env, runs the commands and restarts workers: no value in argv or the log', async () => {
    const t = fakeServer();
    const logs: string[] = [];
    const c = ctx();
    const outcomes = [];
    for (const task of envPushRecipe.tasks) outcomes.push(await task.run(c, io(t, logs)));
    const upload = t.calls.find((call) => call.kind === 'upload');
    expect(upload).toMatchObject({ path: '/var/www/shop/shared/.env', mode: 0o640, owner: 'shop', group: 'shop' });
    expect(upload && upload.kind === 'upload' && upload.content.toString()).toBe(serializeDotenv(values));
    expect(c).toMatchObject({ written: true, link: 'created' });
    expect(t.commands.map(words)).toEqual([
      'flock -n -E 75 /run/berth-release-shop.lock sh -c runuser -u shop -- sh -c { test ! -d /var/www/shop/current && echo no-release; } || { test -L /var/www/shop/current/.env && echo link && readlink /var/www/shop/current/.env; } || { test -e /var/www/shop/current/.env && echo elsewhere; } || { ln -s ../../shared/.env /var/www/shop/current/.env && echo created; }',
      'readlink /var/www/shop/current',
      'flock -n -E 75 /run/berth-release-shop.lock sh -c runuser -u shop -- env -C /var/www/shop/current php artisan config:cache',
      'flock -n -E 75 /run/berth-release-shop.lock sh -c runuser -u shop -- env -C /var/www/shop/current touch pushed.txt',
      'supervisorctl restart berth-shop:*',
    ]);
    expect(outcomes.map((o) => o.summary)).toEqual([
      `wrote /var/www/shop/shared/.env: revision 7, 4 key(s), ${Buffer.byteLength(serializeDotenv(values))} bytes; linked current/.env to it`,
      '2 command(s); 1 worker program(s) restarted',
    ]);
    noValueIn([...t.commands, ...logs, ...outcomes.map((o) => o.summary)]);
  });

  it('runs nothing on the placeholder release, and restarts nothing when turned off', async () => {
    const t = fakeServer('releases/0-placeholder');
    const post = envPushRecipe.tasks[1]!;
    expect(await post.run(ctx(), io(t, []))).toEqual({ changed: false, summary: 'no release deployed yet: nothing to run or restart' });
    const quiet = { ...ctx(), app: { ...app, env: { postPushCommands: [], restartAfterPush: false } } };
    const t2 = fakeServer();
    expect(await post.run(quiet, io(t2, []))).toEqual({ changed: false, summary: 'nothing to run; restarts are turned off' });
    expect(t2.commands).toEqual([`'readlink' '/var/www/shop/current'`]);
  });
});

describe('the release write-env task', () => {
  const base = (extra: Record<string, unknown> = {}, env: ReleaseContext['env'] | null = { revision: 4, values }): ReleaseContext => ({
    app: appConfigInput.parse({ slug: 'shop', kind: 'php', domains: ['shop.test'], ...extra }),
    server: { id: 's1', name: 'web-1', address: '10.0.0.1' },
    roles: ['web'],
    number: 12,
    sha: 'abc',
    archivePath: '/tmp/x.tar',
    protect: [],
    env: env ?? undefined,
  });

  it('comes right after link-shared', () => {
    const names = releaseRecipe.tasks.map((t) => t.name);
    expect(names.slice(names.indexOf('link-shared'), names.indexOf('link-shared') + 3)).toEqual(['link-shared', 'write-env', 'build']);
  });

  it('writes shared/.env and links the release to it, replacing what the commit carried', async () => {
    const t = new RecordingTransport('web-1', (text) => (text.includes('replaced') ? { stdout: 'replaced\n' } : undefined));
    const ctx = base();
    const logs: string[] = [];
    const outcome = await releaseWriteEnv.run(ctx, io(t, logs));
    expect(outcome.summary).toMatch(
      /^wrote \/var\/www\/shop\/shared\/\.env: revision 4, 4 key\(s\), \d+ bytes; the commit’s \.env replaced by a link to it$/,
    );
    expect(ctx.env?.written).toBe(true);
    expect(t.commands.map(words)).toEqual([
      'flock -n -E 75 /run/berth-release-shop.lock sh -c runuser -u shop -- sh -c { test -f /var/www/shop/shared/.env && rm -f /var/www/shop/shared/.env.berth-none && cp -p /var/www/shop/shared/.env /var/www/shop/shared/.env.berth-previous; } || { rm -f /var/www/shop/shared/.env.berth-previous && touch /var/www/shop/shared/.env.berth-none; }',
      'flock -n -E 75 /run/berth-release-shop.lock sh -c runuser -u shop -- sh -c { { { test -e /var/www/shop/releases/12/.env || test -L /var/www/shop/releases/12/.env; } && echo replaced; } || echo created; } && rm -rf /var/www/shop/releases/12/.env && ln -s ../../shared/.env /var/www/shop/releases/12/.env',
    ]);
    noValueIn([...t.commands, ...logs, outcome.summary]);
  });

  it('only writes the file when .env is a shared path, and leaves .env alone when nothing was saved', async () => {
    const t = new RecordingTransport();
    expect((await releaseWriteEnv.run(base({ sharedPaths: ['.env'] }), io(t, []))).summary).toMatch(/; \.env is a shared path$/);
    expect(t.commands.map(words)).toEqual([expect.stringContaining('.env.berth-previous')]);
    const none = new RecordingTransport();
    expect(await releaseWriteEnv.run(base({}, null), io(none, []))).toEqual({
      changed: false,
      summary: 'no environment to write: .env left as it is',
    });
    expect(none.calls).toEqual([]);
  });
});
