import { describe, expect, it } from 'vitest';
import { loginUrlFor, safeReturnPath } from './return-to';

describe('safeReturnPath', () => {
  it('keeps a path on this panel, with its query and fragment', () => {
    expect(safeReturnPath('/apps/x')).toBe('/apps/x');
    expect(safeReturnPath('/apps/x/env?tab=history#key')).toBe('/apps/x/env?tab=history#key');
  });

  it.each<[unknown, string]>([
    ['//evil.com', 'protocol-relative'],
    ['https://evil.com/apps', 'absolute'],
    ['/\\evil.com', 'backslash, read as a slash by browsers'],
    ['/.//evil.com', 'a dot segment the URL parser removes, leaving //evil.com'],
    ['/a/..//evil.com', 'a dot-dot segment that leaves //evil.com'],
    ['/%2e%2e//evil.com', 'an encoded dot-dot segment that leaves //evil.com'],
    ['/\t/evil.com', 'a tab the URL parser would drop'],
    ['javascript:alert(1)', 'a script URL'],
    ['apps/x', 'relative'],
    ['/login?next=/apps', 'the login page itself (a loop)'],
    ['/api/v1/apps', 'an API route'],
    ['', 'empty'],
    [42, 'not text'],
  ])('refuses %j (%s)', (raw) => {
    expect(safeReturnPath(raw)).toBeNull();
  });

  it('builds the login address only for a safe, non-root path', () => {
    expect(loginUrlFor('/apps/x?tab=env')).toBe('/login?next=%2Fapps%2Fx%3Ftab%3Denv');
    expect(loginUrlFor('//evil.com')).toBe('/login');
    expect(loginUrlFor('/')).toBe('/login');
    expect(loginUrlFor(null)).toBe('/login');
  });
});
