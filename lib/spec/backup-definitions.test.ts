import { describe, expect, it } from 'vitest';
import { planDefinition } from './diff';
import { readDefinition } from './read';
import type { FleetSpec } from './schema';

/** Backup targets and policies in a definition: what is refused at the edge, with the line it is on. */
const fleet = (policy: string, targets = S3_TARGET) => `apiVersion: berth/v1
kind: Fleet
apps:
  - slug: shop
    name: Shop
    kind: php
    domains: [shop.example.com]
    servers:
      - { server: web-1, roles: [web] }
    backups:
      - ${policy}
${targets}`;

const S3_TARGET = `backupTargets:
  - name: offsite
    settings: { kind: s3, endpoint: "https://s3.example.com", bucket: acme-backups, accessKeyId: AKIA1 }
    credential: { secret: backup-targets/offsite/credential }`;

const read = (text: string) => readDefinition(text, { panelServers: ['web-1'] });
const messages = (text: string) => {
  const r = read(text);
  return r.ok ? [] : r.problems.map((p) => `${p.line}: ${p.message}`);
};

describe('backup policies and targets in a definition', () => {
  it('reads a policy with its defaults filled in', () => {
    const r = read(fleet('{ target: offsite }'));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const app = r.definition.kind === 'Fleet' ? r.definition.apps![0]! : undefined;
    expect(app?.backups).toEqual([
      expect.objectContaining({ name: 'daily', target: 'offsite', schedule: '15 3 * * *', retention: { daily: 7, weekly: 4, monthly: 6 } }),
    ]);
  });

  it('refuses a bad cron schedule on its line', () => {
    expect(messages(fleet('{ target: offsite, schedule: "61 * * * *" }')).join('\n')).toMatch(/^11: .*minute: 61 is out of range/m);
    expect(messages(fleet('{ target: offsite, schedule: "@daily" }')).join('\n')).toMatch(/`@daily` is not offered/);
  });

  it('refuses a retention that keeps nothing, or a negative or fractional count', () => {
    expect(messages(fleet('{ target: offsite, retention: { daily: 0, weekly: 0, monthly: 0 } }')).join('\n')).toMatch(
      /Keep at least one backup/,
    );
    expect(messages(fleet('{ target: offsite, retention: { daily: -1 } }')).join('\n')).toMatch(/daily/);
    expect(messages(fleet('{ target: offsite, retention: { weekly: 1.5 } }')).join('\n')).toMatch(/whole number/);
  });

  it('refuses a policy naming a target the file does not define', () => {
    expect(messages(fleet('{ target: elsewhere }'))).toEqual([expect.stringMatching(/No backup target named elsewhere/)]);
  });

  it('refuses a credential written in plain, or a reference to another place', () => {
    const plain = S3_TARGET.replace('{ secret: backup-targets/offsite/credential }', 'hunter2');
    expect(messages(fleet('{ target: offsite }', plain)).join('\n')).toMatch(/never sits in a definition/);
    const other = S3_TARGET.replace('backup-targets/offsite/credential', 'backup-targets/other/credential');
    expect(messages(fleet('{ target: offsite }', other)).length).toBe(1);
  });

  it('plans a policy whose target exists nowhere as refused (an App document has no targets of its own)', () => {
    const text = `apiVersion: berth/v1
kind: App
app:
  slug: shop
  name: Shop
  kind: php
  domains: [shop.example.com]
  servers: [{ server: web-1, roles: [web] }]
  backups: [{ target: offsite }]
`;
    const r = read(text);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const empty: FleetSpec = { apiVersion: 'berth/v1', kind: 'Fleet', apps: [], backupTargets: [] };
    const [change] = planDefinition(empty, r.definition, new Set(), text).changes;
    expect(change?.refused).toMatch(/Backup policies name targets that do not exist: daily → offsite/);
    const withTarget = planDefinition(
      { ...empty, backupTargets: [{ name: 'offsite', settings: { kind: 'local', path: '/srv/b' } }] },
      r.definition,
      new Set(),
      text,
    );
    expect(withTarget.changes[0]?.refused).toBeNull();
  });
});
