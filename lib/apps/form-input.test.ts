import { describe, expect, it } from 'vitest';
import { appFormInput } from './form-input';

const errors = (input: Record<string, unknown>) => {
  const r = appFormInput.safeParse(input);
  return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message]));
};

describe('app form input', () => {
  it('turns form text into a typed config', () => {
    const r = appFormInput.parse({ name: 'Shop', slug: 'shop', kind: 'php', domains: 'shop.test, www.shop.test', maxChildren: '7', scheduler: 'on', serverIds: 'a' });
    expect(r).toMatchObject({ name: 'Shop', serverIds: ['a'], config: { slug: 'shop', domains: ['shop.test', 'www.shop.test'], pool: { maxChildren: 7 }, scheduler: true } });
    const p = appFormInput.parse({ name: 'Api', slug: 'api', kind: 'process', domains: 'api.test', port: '9301', processCommand: 'node  server.js', serverIds: ['a', 'b'] });
    expect(p.config).toMatchObject({ kind: 'process', port: 9301, processArgv: ['node', 'server.js'] });
  });

  it('reports config errors under the form field names', () => {
    expect(errors({ name: 'x', slug: 'x;y', kind: 'php', domains: 'bad domain;', maxChildren: '0' })).toMatchObject({
      slug: expect.stringMatching(/slug/),
      domains: expect.stringMatching(/domain name/),
      maxChildren: 'max_children must be at least 1',
    });
    expect(errors({ name: 'x', slug: 'api', kind: 'process', domains: 'api.test' })).toEqual({ processCommand: 'A process app needs a port and a command' });
  });
});
