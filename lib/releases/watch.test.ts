import { describe, expect, it } from 'vitest';
import { MIN_REQUESTS, tallyLines, watchVerdict } from './watch';

// The watch window's arithmetic over access-log lines (`$msec $status $realpath_root`); the reads
// and the rollback are proved on the test hosts (release-safety.integration.test.ts).
const NEW = '/var/www/shop/releases/8';
const zero = { requests: 0, errors: 0 };
const line = (status: number, root: string) => `1765100000.123 ${status} ${root}`;

describe('the watch window', () => {
  it('counts the new release (its web root or below) apart from older releases, and ignores the ACME root and junk', () => {
    const text = [
      line(200, `${NEW}/public`),
      line(500, `${NEW}/public`),
      line(502, '/var/www/shop/releases/7/public'),
      line(200, '/var/www/shop/releases/80/public'), // releases/80 is not releases/8
      line(200, '/var/www/shop/acme'),
      'garbage',
      '',
    ].join('\n');
    expect(tallyLines(text, NEW, { before: zero, after: zero })).toEqual({
      before: { requests: 2, errors: 1 },
      after: { requests: 2, errors: 1 },
    });
  });

  it('rolls back when the 5xx share rises by the threshold, once enough requests reached the new release', () => {
    const before = { requests: 1000, errors: 10 }; // 1 %
    expect(watchVerdict({ before, after: { requests: MIN_REQUESTS - 1, errors: MIN_REQUESTS - 1 } }, 10)).toBeNull();
    expect(watchVerdict({ before, after: { requests: 100, errors: 10 } }, 10)).toBeNull(); // 10 %: a rise of 9 points
    expect(watchVerdict({ before, after: { requests: 100, errors: 11 } }, 10)).toBe(
      'the 5xx share rose from 1.0 % to 11.0 % (11 of 100 requests to the new release)',
    );
    // An app that already failed 30 % of requests is judged against that, not against zero.
    expect(watchVerdict({ before: { requests: 100, errors: 30 }, after: { requests: 100, errors: 35 } }, 10)).toBeNull();
    expect(watchVerdict({ before: zero, after: { requests: 25, errors: 5 } }, 10)).toMatch(/from 0\.0 % to 20\.0 %/);
  });
});
