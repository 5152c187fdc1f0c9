/**
 * Redaction of secrets from anything that leaves lib/remote as text: log lines, error
 * messages, stderr tails. It errs on the side of hiding too much.
 */

export const REDACTED = '[redacted]';

/** Shorter values would shred ordinary text (a 3-letter secret matches everywhere). */
export const MIN_SECRET_LENGTH = 4;

const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
// key=value, key: value, "key": "value" for keys that name a credential.
const CREDENTIAL_PAIR =
  /(["']?)([A-Za-z0-9_.-]*(?:pass|secret|token|key)[A-Za-z0-9_.-]*)\1([ \t]*[:=][ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s"'&;,]+)/gi;
// scheme://user:password@host
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a secret can take in our own output: as is, line by line, shell-quoted and JSON-escaped. */
function variants(secret: string): string[] {
  const forms = new Set([secret, secret.replaceAll("'", `'\\''`), JSON.stringify(secret).slice(1, -1)]);
  // A multi-line secret (a private key) reaches a streamed log one line at a time.
  for (const line of secret.split(/\r?\n/)) forms.add(line.trim());
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function redactPatterns(text: string): string {
  return text
    .replace(PEM_PRIVATE_KEY, REDACTED)
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(CREDENTIAL_PAIR, (match, quoteMark: string, key: string, separator: string, value: string) => {
      if (value === REDACTED) return match;
      // Keep the value's own quotes, so JSON and shell text stay well-formed.
      const q = value[0] === '"' || value[0] === "'" ? value[0] : '';
      return `${quoteMark}${key}${quoteMark}${separator}${q}${REDACTED}${q}`;
    });
}

function secretsPattern(secrets: Iterable<string>): RegExp | null {
  const forms = new Set<string>();
  for (const secret of secrets) for (const form of variants(secret)) forms.add(form);
  if (forms.size === 0) return null;
  // Longest first, so a secret that contains another is hidden whole.
  const sorted = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(sorted.join('|'), 'g');
}

export function redact(text: string, secrets: Iterable<string> = []): string {
  const pattern = secretsPattern(secrets);
  return redactPatterns(pattern ? text.replace(pattern, REDACTED) : text);
}

/** Collects a connection's secrets once (its private key, an app's env values) and hides them everywhere. */
export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;

  constructor(secrets: Iterable<string> = []) {
    this.add(...secrets);
  }

  add(...secrets: string[]): this {
    const before = this.secrets.size;
    for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH) this.secrets.add(secret);
    if (this.secrets.size !== before) this.pattern = secretsPattern(this.secrets);
    return this;
  }

  /** A redactor that also hides `extra` (for one call), leaving this one unchanged. */
  with(...extra: string[]): Redactor {
    return extra.length ? new Redactor([...this.secrets, ...extra]) : this;
  }

  redact(text: string): string {
    return redactPatterns(this.pattern ? text.replace(this.pattern, REDACTED) : text);
  }
}
