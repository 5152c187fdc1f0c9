import { describe, expect, it } from 'vitest';
import { parseChannelConfig } from './config';
import { httpUrlProblem } from '@/lib/remote/url-safety';

const errorsOf = (kind: Parameters<typeof parseChannelConfig>[0], fields: Record<string, unknown>) => {
  const r = parseChannelConfig(kind, fields);
  return r.ok ? {} : r.fieldErrors;
};

describe('channel URLs', () => {
  it.each([
    ['ftp://example.com/hook', /Only http:\/\/ and https:\/\//],
    ['file:///etc/passwd', /Only http/],
    ['javascript:alert(1)', /Only http/],
    ['gopher://127.0.0.1:25/', /Only http/],
    ['http://169.254.169.254/latest/meta-data', /link-local/],
    ['http://2852039166/', /link-local/], // 169.254.169.254 written as one number
    ['http://[fe80::1]/hook', /link-local/],
    ['http://[fd00:ec2::254]/', /metadata/],
    ['http://metadata.google.internal/computeMetadata/v1', /metadata/],
    ['http://0.0.0.0:8080/', /this network/],
    ['http://224.0.0.1/', /multicast/],
    ['hooks.slack.com/services/x', /full URL/],
    ['', /Enter the URL/],
  ])('refuses %s', (url, why) => {
    expect(errorsOf('slack', { url }).url?.join(' ')).toMatch(why);
  });

  it.each([
    'https://hooks.slack.com/services/T0/B0/x',
    'http://127.0.0.1:8080/hook',
    'http://10.0.0.5/x',
    'http://[::1]:9000/',
    'https://localhost/x',
  ])('accepts %s (loopback and private ranges are allowed)', (url) => {
    expect(httpUrlProblem(url)).toBeNull();
  });
});

describe('per-kind settings', () => {
  it('webhook: a secret header needs a name and a value, and not one HTTP sets itself', () => {
    expect(errorsOf('webhook', { url: 'https://x.test/h', headerName: 'X-Secret' })).toEqual({
      headerValue: [expect.stringMatching(/header value/)],
    });
    expect(errorsOf('webhook', { url: 'https://x.test/h', headerValue: 's3cret' })).toEqual({
      headerName: [expect.stringMatching(/Name the header/)],
    });
    expect(errorsOf('webhook', { url: 'https://x.test/h', headerName: 'Content-Length', headerValue: '1' }).headerName).toBeDefined();
    expect(errorsOf('webhook', { url: 'https://x.test/h', headerName: 'X Bad', headerValue: '1' }).headerName).toBeDefined();
    expect(errorsOf('webhook', { url: 'https://x.test/h', headerName: 'X-A', headerValue: 'a\r\nInjected: 1' }).headerValue).toBeDefined();
    expect(parseChannelConfig('webhook', { url: 'https://x.test/h', headerName: 'X-A', headerValue: 'v' })).toEqual({
      ok: true,
      config: { kind: 'webhook', url: 'https://x.test/h', headerName: 'X-A', headerValue: 'v' },
    });
  });

  it('telegram: token, chat id and API base are checked; the API base defaults to Telegram', () => {
    expect(Object.keys(errorsOf('telegram', {})).sort()).toEqual(['botToken', 'chatId']);
    expect(errorsOf('telegram', { botToken: 'not-a-token', chatId: 'abc', apiBase: 'ftp://x' })).toEqual({
      botToken: [expect.any(String)],
      chatId: [expect.any(String)],
      apiBase: [expect.stringMatching(/Only http/)],
    });
    const ok = parseChannelConfig('telegram', { botToken: '123:AAAAAAAAAAAAAAAAAAAAAAAA', chatId: '-1001' });
    expect(ok.ok && ok.config).toMatchObject({ apiBase: 'https://api.telegram.org' });
  });

  it('email: every missing or bad field is reported at once', () => {
    expect(Object.keys(errorsOf('email', {})).sort()).toEqual(['from', 'host', 'port', 'security', 'to']);
    const bad = errorsOf('email', {
      host: '169.254.169.254',
      port: '70000',
      security: 'ssl',
      from: 'not-an-address',
      to: 'ops@example.com, nope',
    });
    expect(bad.host?.join()).toMatch(/link-local/);
    expect(bad.port?.join()).toMatch(/1-65535/);
    expect(bad.security).toBeDefined();
    expect(bad.from?.join()).toMatch(/email address/);
    expect(bad.to?.join()).toMatch(/email address/);
    expect(errorsOf('email', { host: 'smtp host;rm', port: '25', security: 'none', from: 'a@b.co', to: 'c@d.co' }).host).toBeDefined();
    expect(errorsOf('email', { host: 'smtp.test', port: '587', security: 'starttls', user: 'me', from: 'a@b.co', to: 'c@d.co' })).toEqual({
      password: [expect.any(String)],
    });
    const ok = parseChannelConfig('email', { host: '127.0.0.1', port: '2525', security: 'none', from: 'a@b.co', to: 'c@d.co d@e.co' });
    expect(ok.ok && ok.config).toEqual({
      kind: 'email',
      host: '127.0.0.1',
      port: 2525,
      security: 'none',
      from: 'a@b.co',
      to: ['c@d.co', 'd@e.co'],
    });
  });
});
