import { describe, expect, it } from 'vitest';
import { ONE_LINE } from '@/lib/model/text';
import { readDefinition } from './read';

/**
 * Issue 19: a definition file is held to the same text rules as the forms (it is validated with
 * the same model schemas): NUL, control characters and oversize values are problems that name
 * the line and the path, never something the database refuses later. YAML's double-quoted escapes
 * (\0, \a, \e) are how such characters get into a file that is otherwise plain text.
 */
const fleet = (app: string, server = 'host: 10.0.0.5') => `apiVersion: berth/v1
kind: Fleet
servers:
  - name: web-1
    ${server}
    user: root
    sshKey: { secret: servers/web-1/ssh-key }
apps:
  - slug: shop
    name: Shop
    kind: php
    domains: [shop.example.com]
    servers:
      - { server: web-1, roles: [web] }
${app}
monitors:
  - { kind: http, name: home, url: https://shop.example.com/ }
`;

const problems = (text: string) => {
  const read = readDefinition(text);
  if (read.ok) throw new Error('expected the definition to be refused');
  return read.problems;
};

describe('text in a definition file', () => {
  it('reads the fixture as it is', () => {
    expect(readDefinition(fleet('    webRoot: public')).ok).toBe(true);
  });

  it.each([
    ['NUL', '\\0'],
    ['BEL', '\\a'],
    ['ESC', '\\e'],
  ])('%s in a string is a problem naming its line and path', (_name, yamlEscape) => {
    expect(problems(fleet(`    webRoot: "public${yamlEscape}"`))).toContainEqual({ line: 15, path: 'apps[0].webRoot', message: ONE_LINE });
    expect(problems(fleet(`    sharedPaths: [storage, "up${yamlEscape}"]`))).toContainEqual({
      line: 15,
      path: 'apps[0].sharedPaths[1]',
      message: ONE_LINE,
    });
    expect(problems(fleet('', `bindAddress: "10.0.0.5${yamlEscape}"\n    host: 10.0.0.5`))).toContainEqual({
      line: 5,
      path: 'servers[0].bindAddress',
      message: ONE_LINE,
    });
  });

  it('an oversize value, and too many paths, are problems naming their line and path', () => {
    expect(problems(fleet(`    webRoot: ${'a'.repeat(300)}`))).toContainEqual({
      line: 15,
      path: 'apps[0].webRoot',
      message: 'At most 200 characters',
    });
    expect(problems(fleet(`    writablePaths: [${Array.from({ length: 51 }, (_, i) => `p${i}`).join(', ')}]`))).toContainEqual({
      line: 15,
      path: 'apps[0].writablePaths',
      message: 'At most 50 writable paths',
    });
    expect(problems(fleet('', `bindAddress: ${'a'.repeat(5000)}\n    host: 10.0.0.5`))).toContainEqual({
      line: 5,
      path: 'servers[0].bindAddress',
      message: 'At most 100 characters',
    });
  });
});
