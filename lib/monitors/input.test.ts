import { describe, expect, it } from 'vitest';
import { fieldErrorsOf } from '@/lib/auth/action-core';
import { autoMonitorEditInput, monitorInput } from './input';
import { parseStatusSpec, statusMatches } from './status-spec';

const http = (over: Record<string, unknown>) => ({
  kind: 'http',
  name: 'shop',
  url: 'https://shop.example.com/health',
  intervalS: '60',
  timeoutMs: '5000',
  ...over,
});
const errorsOf = (payload: unknown) => {
  const r = monitorInput.safeParse(payload);
  return r.success ? {} : fieldErrorsOf(r.error);
};

describe('monitor input', () => {
  it('accepts a plain HTTP monitor, loopback and private addresses included', () => {
    for (const url of ['https://shop.example.com/health', 'http://127.0.0.11/', 'http://10.0.0.5:8080/x?y=1', 'http://[::1]:3000/']) {
      expect(errorsOf(http({ url })), url).toEqual({});
    }
  });

  it.each([
    ['ftp://example.com/file', 'Only http:// and https://'],
    ['file:///etc/passwd', 'Only http:// and https://'],
    ['javascript:alert(1)', 'Only http:// and https://'],
    ['gopher://example.com/', 'Only http:// and https://'],
    ['example.com/health', 'Enter a full URL'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata'],
    ['http://metadata/', 'metadata'],
    ['http://0.0.0.0/', '0.0.0.0/8'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://user:pw@example.com/', 'user name and password'],
  ])('rejects %s', (url, message) => {
    expect(errorsOf(http({ url })).url?.join(' ')).toContain(message);
  });

  it('rejects an interval under 10 s, and reports every field error at once', () => {
    const errors = errorsOf(http({ name: '', url: 'ftp://x', intervalS: '9', expectedStatus: '200-1', retries: '11', method: 'PUT' }));
    expect(errors.intervalS?.[0]).toContain('An interval under 10 s is rejected');
    expect(Object.keys(errors).sort()).toEqual(['expectedStatus', 'intervalS', 'method', 'name', 'retries', 'url']);
  });

  it('needs a URL for HTTP, a timeout shorter than the interval, and no keyword on HEAD', () => {
    expect(errorsOf(http({ url: '' })).url).toEqual(['Enter the URL to check']);
    expect(errorsOf(http({ intervalS: '10', timeoutMs: '10000' })).timeoutMs?.[0]).toContain('shorter than the interval');
    expect(errorsOf(http({ timeoutMs: '61000' })).timeoutMs?.[0]).toContain('at most 60000');
    expect(errorsOf(http({ timeoutMs: '0' })).timeoutMs?.[0]).toContain('at least 1000');
    expect(errorsOf(http({ method: 'HEAD', keyword: 'ok' })).keyword).toBeDefined();
  });

  it('a heartbeat needs no URL and drops the HTTP fields', () => {
    const r = monitorInput.parse({ kind: 'heartbeat', name: 'backup', intervalS: '86400', graceS: '600', url: '', keyword: 'x' });
    expect(r).toMatchObject({ kind: 'heartbeat', url: null, keyword: null, intervalS: 86400, graceS: 600 });
    expect(errorsOf({ kind: 'heartbeat', name: 'b', intervalS: '5' }).intervalS).toBeDefined();
    expect(errorsOf({ kind: 'heartbeat', name: 'b', intervalS: '60', graceS: '-1' }).graceS).toBeDefined();
  });

  it('auto monitors accept only timing edits, with the same limits', () => {
    expect(autoMonitorEditInput.safeParse({ intervalS: '9', timeoutMs: '5000', retries: '1' }).success).toBe(false);
    expect(autoMonitorEditInput.parse({ intervalS: '30', timeoutMs: '5000', retries: '2', paused: 'on', url: 'http://evil/' })).toEqual({
      intervalS: 30,
      timeoutMs: 5000,
      retries: 2,
      paused: true,
    });
  });
});

describe('expected status spec', () => {
  it('parses codes and ranges', () => {
    const r = parseStatusSpec('200-299, 301');
    expect(r).toEqual({
      ranges: [
        [200, 299],
        [301, 301],
      ],
    });
    if ('ranges' in r) {
      expect(statusMatches(r.ranges, 204)).toBe(true);
      expect(statusMatches(r.ranges, 301)).toBe(true);
      expect(statusMatches(r.ranges, 302)).toBe(false);
    }
  });

  it.each(['', '200,', 'abc', '2000', '299-200', '99', '600', '200-700', '200;301'])('rejects %j', (spec) => {
    expect('error' in parseStatusSpec(spec)).toBe(true);
  });
});
