import { CliError, EXIT } from './exit-codes.mjs';

/**
 * The panel's HTTP API, as the CLI uses it. BERTH_URL and BERTH_TOKEN come from the
 * environment only: a token on the command line would sit in the shell history and in `ps`.
 */
export function clientFromEnv(env = process.env) {
  const base = env.BERTH_URL?.trim();
  const token = env.BERTH_TOKEN?.trim();
  if (!base) throw new CliError('Set BERTH_URL to the panel’s address, e.g. https://berth.example.com', EXIT.usage);
  if (!token) throw new CliError('Set BERTH_TOKEN to an API token (Settings → API tokens)', EXIT.usage);
  let url;
  try {
    url = new URL(base);
  } catch {
    throw new CliError(`BERTH_URL is not a URL: ${base}`, EXIT.usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`BERTH_URL must be http(s): ${base}`, EXIT.usage);
  return new Client(url, token);
}

const TIMEOUT_MS = 60_000;

export class Client {
  constructor(base, token) {
    this.base = base;
    this.token = token;
  }

  url(path) {
    return new URL(`api/v1${path}`, this.base.href.endsWith('/') ? this.base : new URL(`${this.base.href}/`));
  }

  /** Sends one request; the panel's JSON `data` on success, a CliError (message, exit code) otherwise. */
  async request(method, path, body, { timeoutMs = TIMEOUT_MS } = {}) {
    const response = await this.fetch(path, {
      method,
      headers: { ...(body !== undefined && { 'Content-Type': 'application/json' }), Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text().catch((err) => `(the body could not be read: ${err?.message ?? err})`);
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {}
    if (!json || (typeof json === 'object' && !('data' in json) && !('error' in json)))
      throw new CliError(
        `${this.base.origin} answered ${response.status} without Berth’s API there (${response.headers.get('content-type') ?? 'no content type'}: ${JSON.stringify(text.slice(0, 120))}): is BERTH_URL right?`,
        EXIT.unreachable,
      );
    if (response.ok) return json.data;
    throw apiFailure(response.status, json.error);
  }

  /** The raw response (for the event stream); connection failures become exit code 4. */
  async fetch(path, init) {
    try {
      return await fetch(this.url(path), { ...init, headers: { ...init.headers, Authorization: `Bearer ${this.token}` } });
    } catch (err) {
      const reason = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(err);
      throw new CliError(`Cannot reach the panel at ${this.base.origin}: ${reason}`, EXIT.unreachable);
    }
  }
}

function apiFailure(status, error) {
  const message = error?.message ?? `HTTP ${status}`;
  const fields = Object.entries(error?.fieldErrors ?? {}).map(([field, errs]) => `  ${field}: ${errs.join('; ')}`);
  const text = [message, ...fields].join('\n');
  if (status === 401 || status === 403) return new CliError(text, EXIT.denied);
  if (error?.code === 'destructive') return new CliError(text, EXIT.destructive);
  return new CliError(text, EXIT.failed);
}
