import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDefinition } from './read';
import { MAX_DEFINITION_BYTES, MAX_DEPTH } from './yaml';

const FP = `SHA256:${'A'.repeat(43)}`;
const FLEET = `apiVersion: berth/v1
kind: Fleet
servers:
  - name: web-1
    host: 10.0.0.5
    user: root
    hostKey: ${FP}
    sshKey: { secret: servers/web-1/ssh-key }
  - name: web-2
    host: 10.0.0.6
    user: root
    sshKey: { secret: servers/web-2/ssh-key }
apps:
  - slug: shop
    name: Shop
    kind: php
    domains: [shop.example.com]
    servers:
      - { server: web-1, roles: [web, worker] }
      - { server: web-2, roles: [web] }
    workers:
      - { name: queue, argv: [php, artisan, queue:work], processes: 2, servers: [web-1] }
    release:
      hooks:
        - { argv: [php, artisan, migrate, --force], server: web-1, migration: true }
monitors:
  - { kind: http, name: home, url: https://shop.example.com/ }
  - { kind: heartbeat, name: backups, token: { secret: monitors/backups/token } }
channels:
  - name: ops
    kind: telegram
    events: [monitor.down]
    settings:
      chatId: "-100123"
      botToken: { secret: channels/ops/botToken }
`;

/** The one problem reading `text` gives, as `line: message`. */
function problem(text: string, opts = {}) {
  const read = readDefinition(text, opts);
  if (read.ok) throw new Error('expected the definition to be refused');
  return read.problems.map((p) => `${p.line}: ${p.message}`);
}
const replaced = (from: string, to: string) => {
  if (!FLEET.includes(from)) throw new Error(`fixture lacks ${from}`);
  return FLEET.replace(from, to);
};

describe('reading a definition', () => {
  it('reads a fleet: servers by name, defaults filled, references kept', () => {
    const read = readDefinition(FLEET);
    if (!read.ok) throw new Error(JSON.stringify(read.problems));
    const def = read.definition;
    if (def.kind !== 'Fleet') throw new Error('kind');
    expect(def.servers?.map((s) => [s.name, s.port, s.hostKey ?? null])).toEqual([
      ['web-1', 22, FP],
      ['web-2', 22, null],
    ]);
    expect(def.apps?.[0]?.workers[0]).toMatchObject({ name: 'queue', servers: ['web-1'], stopWaitSeconds: 60 });
    expect(def.apps?.[0]?.release.hooks[0]).toMatchObject({ server: 'web-1', migration: true });
    expect(def.channels?.[0]?.settings.botToken).toEqual({ secret: 'channels/ops/botToken' });
  });

  it('names the line of an unknown key, a wrong apiVersion and a duplicate', () => {
    expect(problem(replaced('    kind: php\n', '    kind: php\n    colour: blue\n'))).toEqual(['17: Unknown key "colour"']);
    expect(problem(replaced('apiVersion: berth/v1', 'apiVersion: berth/v2'))).toEqual(['1: apiVersion must be berth/v1']);
    // A typo in a required key says so, beside what is then missing.
    expect(problem(replaced('    domains: [shop.example.com]', '    domain: [shop.example.com]'))).toEqual([
      '17: Unknown key "domain"',
      '14: Invalid input: expected array, received undefined',
    ]);
    expect(problem(replaced('{ kind: http, name: home,', '{ kind: http, nmae: home,'))).toEqual([
      '27: Unknown key "nmae"',
      '27: Invalid input: expected string, received undefined',
    ]);
    expect(problem(replaced('  - name: web-2\n', '  - name: web-1\n'))).toContain('9: The server "web-1" appears twice');
    const twoShops = FLEET.replace(
      'monitors:',
      `  - slug: shop\n    name: Again\n    kind: static\n    domains: [b.example.com]\n    servers: [{ server: web-2, roles: [web] }]\nmonitors:`,
    );
    expect(problem(twoShops)).toEqual(['26: The app "shop" appears twice']);
  });

  it('refuses a placement on an unknown server and a worker on a server without the worker role', () => {
    expect(problem(replaced('{ server: web-2, roles: [web] }', '{ server: web-3, roles: [web] }'))).toEqual(['20: Unknown server "web-3"']);
    expect(problem(replaced('servers: [web-1] }', 'servers: [web-2] }'))).toEqual([
      '22: Worker queue names web-2, which has no worker role for this app',
    ]);
    expect(problem(replaced('server: web-1, migration', 'server: web-9, migration'))).toEqual([
      '25: The hook names web-9, which does not run this app',
    ]);
  });

  it('refuses a plain secret where a reference belongs, and a reference to another place', () => {
    expect(problem(replaced('sshKey: { secret: servers/web-1/ssh-key }', 'sshKey: "-----BEGIN OPENSSH PRIVATE KEY-----"'))).toEqual([
      '8: A secret never sits in a definition: write { secret: <reference> } and set the value in the panel',
    ]);
    expect(problem(replaced('botToken: { secret: channels/ops/botToken }', 'botToken: "123456:ABCDEFGHIJKLMNOPQRSTU"'))).toEqual([
      '35: A secret never sits in a definition: write { secret: <reference> } and set the value in the panel',
    ]);
    expect(problem(replaced('{ secret: servers/web-2/ssh-key }', '{ secret: servers/web-1/ssh-key }'))).toEqual([
      '12: This reference must be servers/web-2/ssh-key: it names where the panel keeps the value',
    ]);
    expect(problem(replaced('chatId: "-100123"', 'chatId: { secret: channels/ops/chatId }'))).toEqual([
      '34: "chatId" is not a secret: write its value',
    ]);
  });

  it('refuses what the app model refuses: a reserved worker name, a process app without its command', () => {
    expect(problem(replaced('{ name: queue, argv:', '{ name: web, argv:'))).toEqual([
      '22: The worker names "web", "web-a" and "web-b" are reserved',
    ]);
    expect(problem(replaced('    kind: php\n', '    kind: process\n'))).toEqual([
      '16: A process app needs a port and processArgv (the command that listens on it)',
    ]);
  });

  it('reads placements, roles and channel settings in the shape the panel stores them', () => {
    const text = replaced(
      '      - { server: web-1, roles: [web, worker] }\n      - { server: web-2, roles: [web] }',
      '      - { server: web-2, roles: [web] }\n      - { server: web-1, roles: [worker, web] }',
    ).replace('chatId: "-100123"', 'chatId: -100123');
    const read = readDefinition(text);
    if (!read.ok || read.definition.kind !== 'Fleet') throw new Error(JSON.stringify(read));
    expect(read.definition.apps?.[0]?.servers).toEqual([
      { server: 'web-1', roles: ['web', 'worker'] },
      { server: 'web-2', roles: ['web'] },
    ]);
    expect(read.definition.channels?.[0]?.settings).toEqual({
      botToken: { secret: 'channels/ops/botToken' },
      chatId: '-100123',
      apiBase: 'https://api.telegram.org',
    });
    expect(problem(replaced('chatId: "-100123"', 'chatId: "not a chat"'))).toEqual([
      '34: chatId: A chat id is a number (groups are negative) or @channelname',
    ]);
    expect(
      problem(replaced('botToken: { secret: channels/ops/botToken }', 'botToken: { secret: channels/ops/botToken, value: "1:abc" }'))[0],
    ).toMatch(/^35: /);
  });

  it('places an app file against the panel’s servers', () => {
    const app = `apiVersion: berth/v1\nkind: App\napp:\n  slug: blog\n  name: Blog\n  kind: static\n  domains: [blog.example.com]\n  servers:\n    - { server: web-1, roles: [web] }\n`;
    expect(readDefinition(app, { panelServers: ['web-1'] }).ok).toBe(true);
    expect(problem(app, { panelServers: ['other'] })).toEqual(['9: Unknown server "web-1"']);
  });

  it('refuses a file over the size cap, aliases, deep nesting, duplicate keys and broken YAML', () => {
    expect(problem(`${FLEET}#${'x'.repeat(MAX_DEFINITION_BYTES)}`)[0]).toMatch(/^null: The file is \d+ bytes; the limit is 524288$/);
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n';
    expect(problem(bomb)[0]).toBe('2: Aliases (*name) are not allowed in a definition');
    const deep = `apiVersion: berth/v1\nkind: Fleet\nx: ${'['.repeat(MAX_DEPTH + 2)}${']'.repeat(MAX_DEPTH + 2)}\n`;
    expect(problem(deep)).toEqual([`3: Nested deeper than ${MAX_DEPTH} levels`]);
    expect(problem(replaced('    host: 10.0.0.6\n', '    host: 10.0.0.6\n    host: 10.0.0.7\n'))[0]).toMatch(
      /^11: Map keys must be unique/,
    );
    expect(problem('apiVersion: berth/v1\nkind: [Fleet\n')[0]).toMatch(/^3: /);
  });
});

describe('the README', () => {
  it('documents a definition that reads', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Definitions (fleet as code)'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toContain('apiVersion: berth/v1');
    const read = readDefinition(example!);
    expect(read.ok ? [] : read.problems).toEqual([]);
  });
});
