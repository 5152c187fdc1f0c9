import { describe, expect, it } from 'vitest';
import { classify, compareFile } from './pending-changes';
import { parseFiles } from './read-files';

describe('pending status', () => {
  it('classifies by exact text, as ensureFile decides whether to write', () => {
    expect(classify(null, null)).toBe('same');
    expect(classify('a\n', 'a\n')).toBe('same');
    expect(classify(null, 'a\n')).toBe('create');
    expect(classify('a\n', null)).toBe('remove');
    expect(classify('a\n', 'a')).toBe('update'); // a lost final newline is a change too
    expect(classify('', null)).toBe('remove'); // an empty file still exists
  });

  it('gives a unified diff from the server to what Berth would write', () => {
    const pool = (n: number) => `[berth-shop]\npm = dynamic\npm.max_children = ${n}\npm.start_servers = 2\n`;
    const update = compareFile({ path: '/etc/php/8.2/fpm/pool.d/berth-shop.conf', content: pool(9) }, pool(5));
    expect(update.status).toBe('update');
    expect(update.diff.split('\n')).toEqual([
      '--- a/etc/php/8.2/fpm/pool.d/berth-shop.conf\ton the server',
      '+++ b/etc/php/8.2/fpm/pool.d/berth-shop.conf\tBerth would write',
      '@@ -1,4 +1,4 @@',
      ' [berth-shop]',
      ' pm = dynamic',
      '-pm.max_children = 5',
      '+pm.max_children = 9',
      ' pm.start_servers = 2',
      '',
    ]);
    const create = compareFile({ path: '/etc/cron.d/berth-shop', content: 'x\n' }, null);
    expect(create).toMatchObject({
      status: 'create',
      diff: expect.stringMatching(/^--- \/dev\/null\t.*\n\+\+\+ b\/etc\/cron.d\/berth-shop\t.*\n@@ -0,0 \+1,1 @@\n\+x\n$/),
    });
    const remove = compareFile({ path: '/etc/cron.d/berth-shop', content: null }, 'x\n');
    expect(remove).toMatchObject({ status: 'remove', diff: expect.stringContaining('+++ /dev/null') });
    expect(compareFile({ path: '/p', content: 'x' }, 'x')).toEqual({ path: '/p', status: 'same', diff: '' });
  });

  it('never shows the text of a file marked sensitive', () => {
    const file = compareFile(
      { path: '/etc/redis/berth-shop.conf', content: 'requirepass s3cret-new\n', sensitive: true },
      'requirepass s3cret-old\n',
    );
    expect(file.status).toBe('update');
    expect(file.diff).not.toMatch(/s3cret/);
  });
});

describe('reading several files in one round trip', () => {
  const mark = 'berth-file-abc';
  it('keeps each file byte for byte, a missing final newline included, and tells absent from empty', () => {
    const out = `\n${mark} present\nline one\n\n${mark} absent\n\n${mark} present\nno newline at end\n${mark} present\n`;
    const files = parseFiles(out, mark, ['/a', '/b', '/c', '/d']);
    expect([...files]).toEqual([
      ['/a', 'line one\n'],
      ['/b', null],
      ['/c', 'no newline at end'],
      ['/d', ''],
    ]);
  });

  it('is not fooled by a file that quotes a marker without the random part, and refuses a short output', () => {
    const files = parseFiles(`\n${mark} present\nberth-file- present\n${mark}x\n`, mark, ['/a']);
    expect(files.get('/a')).toBe(`berth-file- present\n${mark}x\n`);
    expect(() => parseFiles(`\n${mark} absent\n`, mark, ['/a', '/b'])).toThrow(/expected 2 files/);
  });
});
