import { describe, expect, it } from 'vitest';
import { appConfigInput } from '@/lib/model/app-config';
import { renderVhost } from './nginx-vhost';
import { snippetStructureProblem, UNBALANCED } from '@/lib/model/nginx-snippet';
import { NO_CONTROLS } from '@/lib/model/text';

const app = { slug: 'shop', kind: 'static', domains: ['shop.example.com'] };
const snippetErrors = (nginxSnippet: string) => {
  const parsed = appConfigInput.safeParse({ ...app, nginxSnippet });
  return parsed.success ? [] : parsed.error.issues.filter((i) => i.path[0] === 'nginxSnippet').map((i) => i.message);
};

describe('the nginx snippet', () => {
  it('refuses unbalanced braces, a stray closing brace, NUL and CR', () => {
    expect(snippetErrors('location /x {\n  return 204;\n')).toEqual([UNBALANCED]);
    expect(snippetErrors('} server { listen 80; server_name evil.test;')).toEqual([UNBALANCED]);
    expect(snippetErrors('add_header X y;\0')).toEqual([NO_CONTROLS]);
    expect(snippetErrors('add_header X y;\u001b[2J')).toEqual([NO_CONTROLS]);
    expect(snippetErrors('add_header X y;\r\n')).toEqual(['No carriage-return characters']);
    expect(snippetErrors('x'.repeat(8001))).toEqual(['At most 8000 characters']);
  });

  it('reads braces as nginx does: a brace in a comment does not count, one that closes the block does', () => {
    // A plain count sees {} and accepts this; nginx sees a comment, then a } that closes the server block.
    const breakout = '#{\n}\nserver {\nserver_name evil.test;\n#}';
    expect(snippetErrors(breakout)).toEqual([UNBALANCED]);
    expect(snippetStructureProblem('# } only a comment\nadd_header X y;')).toBeNull();
    expect(snippetStructureProblem('return 200 a#{;')).toBe(UNBALANCED); // # inside a word is no comment; { ends the word
  });

  it('accepts braces that nginx reads as text: quoted, ${var}, inside a word', () => {
    expect(snippetStructureProblem('return 200 "{";')).toBeNull();
    expect(snippetStructureProblem("add_header X '}';")).toBeNull();
    expect(snippetStructureProblem('return 200 "a\\"{";')).toBeNull();
    expect(snippetStructureProblem('return 200 ${request_uri}z;')).toBeNull();
    expect(snippetStructureProblem('set $a x}y;')).toBeNull();
    expect(snippetStructureProblem('if ($http_x = "a"){ return 403; }')).toBeNull();
  });

  it('refuses an open quote or a final backslash, which would swallow the lines rendered after it', () => {
    expect(snippetStructureProblem('add_header X "y;')).toBe('A quoted string in the snippet is not closed');
    expect(snippetStructureProblem("add_header X 'y;")).toBe('A quoted string in the snippet is not closed');
    expect(snippetStructureProblem('add_header X y\\')).toBe('The snippet may not end with a backslash');
  });

  it('accepts a valid multi-line snippet and renders it inside the server block, before the locations', () => {
    const nginxSnippet = 'add_header X-Frame-Options DENY always;\nlocation /legacy {\n    return 301 /new;\n}';
    const config = appConfigInput.parse({ ...app, nginxSnippet });
    const text = renderVhost({
      slug: 'shop',
      domains: config.domains,
      bindAddress: '10.0.0.5',
      root: '/var/www/shop/current/public',
      upstream: { kind: 'static' },
      clientMaxBodyMb: 64,
      acmeWebroot: '/var/www/shop/acme',
      snippet: config.nginxSnippet,
    });
    const lines = text.split('\n');
    const start = lines.indexOf('    # custom snippet (from Berth)');
    expect(lines.slice(start, start + 7)).toEqual([
      '    # custom snippet (from Berth)',
      '    add_header X-Frame-Options DENY always;',
      '    location /legacy {',
      '        return 301 /new;',
      '    }',
      '    # end of custom snippet',
      '    location ^~ /.well-known/acme-challenge/ {',
    ]);
    expect(start).toBeGreaterThan(lines.indexOf('server {'));
    expect(lines.lastIndexOf('}')).toBeGreaterThan(start + 5);
    expect(snippetStructureProblem(text)).toBeNull(); // the whole vhost is balanced too
  });

  it('the renderer refuses an escaping snippet even when it did not come through the schema', () => {
    const render = () =>
      renderVhost({
        slug: 'shop',
        domains: ['shop.example.com'],
        bindAddress: null,
        root: '/r',
        upstream: { kind: 'static' },
        clientMaxBodyMb: 1,
        acmeWebroot: '/a',
        snippet: '#{\n}\nserver {\n#}',
      });
    expect(render).toThrow(/nginx snippet: Braces/);
  });
});
