import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, redact } from './redact';

const PEM = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACCMbFf0ks9+5cNgqOGhnRTJ6T6v6Cc5nBNDTNXnuS7tWQAAAJg6S1H9OktR',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

describe('redact', () => {
  it('replaces every occurrence of each secret of 4+ characters, longest first', () => {
    expect(redact('user=app pw hunter22 again hunter22', ['hunter22'])).toBe(`user=app pw ${REDACTED} again ${REDACTED}`);
    expect(redact('abc is short', ['abc'])).toBe('abc is short');
    expect(redact('token-abcdef', ['abcd', 'token-abcdef'])).toBe(REDACTED);
    expect(redact('a.b*c+d', ['.b*c+'])).toBe(`a${REDACTED}d`); // regex characters are literal
  });

  it('hides a secret in its shell-quoted form too', () => {
    expect(redact(`'echo' 'it'\\''s-secret'`, ["it's-secret"])).toBe(`'echo' '${REDACTED}'`);
  });

  it('hides a secret in its JSON-escaped form too (a log line that holds JSON)', () => {
    const secret = 'two\nlines "quoted"';
    expect(redact(JSON.stringify({ v: secret }), [secret])).toBe(`{"v":"${REDACTED}"}`);
  });

  it('hides PEM private key blocks, even a truncated one', () => {
    expect(redact(`key:\n${PEM}\nafter`)).toBe(`key:\n${REDACTED}\nafter`);
    expect(redact(`tail ${PEM.slice(0, 80)}`)).toBe(`tail ${REDACTED}`);
  });

  it('hides values of credential-like keys', () => {
    expect(redact('DB_PASSWORD=s3cr3t APP_ENV=prod')).toBe(`DB_PASSWORD=${REDACTED} APP_ENV=prod`);
    expect(redact('password: hunter2')).toBe(`password: ${REDACTED}`);
    expect(redact('{"apiToken":"abc def","name":"x"}')).toBe(`{"apiToken":"${REDACTED}","name":"x"}`);
    expect(redact("secret='a b c' next")).toBe(`secret='${REDACTED}' next`);
    expect(redact('https://x.test/?access_key=AKIA123&page=2')).toBe(`https://x.test/?access_key=${REDACTED}&page=2`);
    expect(redact('git clone https://bob:pa55@git.example.com/r.git')).toBe(`git clone https://bob:${REDACTED}@git.example.com/r.git`);
    expect(redact('nothing to see: here')).toBe('nothing to see: here');
  });
});

describe('Redactor', () => {
  it('accumulates secrets once and applies them to every line', () => {
    const r = new Redactor(['first-secret']);
    r.add('second-secret', 'no'); // too short to register
    expect(r.redact('first-secret second-secret no')).toBe(`${REDACTED} ${REDACTED} no`);
  });

  it('hides a multi-line secret line by line, as a streamed log shows it', () => {
    const r = new Redactor([PEM]);
    const line = PEM.split('\n')[1]!;
    expect(r.redact(`stderr: ${line}`)).toBe(`stderr: ${REDACTED}`);
  });

  it('with() adds per-call secrets without changing the original', () => {
    const r = new Redactor(['conn-secret']);
    const call = r.with('call-secret');
    expect(call.redact('conn-secret call-secret')).toBe(`${REDACTED} ${REDACTED}`);
    expect(r.redact('call-secret')).toBe('call-secret');
  });
});
