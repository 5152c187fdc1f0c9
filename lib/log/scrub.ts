/**
 * Log lines never carry query parameter values. A failed insert's error holds the row it tried
 * to write (a password hash, a sealed secret): Drizzle's DrizzleQueryError puts the parameters in
 * its message ("Failed query: …\nparams: …") and in `params`, PGlite adds `params` to the driver
 * error it wraps, and Postgres's `detail` repeats the row ("Failing row contains (…)") or the key.
 * Every console call of the panel passes through scrubLogArgs (scrubConsole, installed at boot),
 * so the panel's own logging, Auth.js's and Next's all lose them, while the query, the error
 * code and the constraint stay for whoever reads the log.
 */

/** Fields of database errors whose text is made of values; dropped whole. */
const VALUE_FIELDS = new Set(['params', 'parameters', 'detail', 'queryOptions']);
/** Drizzle's message runs from "params: " to its end; text interpolating it loses its tail too. */
const PARAMS_TAIL = /\nparams: [\s\S]*$/;
export const PARAMS_OMITTED = '\nparams: (not logged)';
const MAX_DEPTH = 5;

export function scrubText(text: string): string {
  return text.replace(PARAMS_TAIL, PARAMS_OMITTED);
}

/** The stack's frames without its header: the header repeats the message, parameters included. */
function framesOf(err: Error): string {
  const stack = typeof err.stack === 'string' ? err.stack : '';
  const at = stack.indexOf(err.message);
  if (err.message && at >= 0) return stack.slice(at + err.message.length);
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => `\n${line}`)
    .join('');
}

/** A copy of `err` that keeps what explains it (message, query, code, constraint, stack, cause) and no values. */
export function scrubError(err: Error, depth = 0): Error {
  const safe = new Error(scrubText(err.message));
  // DrizzleQueryError keeps the name "Error": the class name tells a reader more.
  const name = err.name === 'Error' && err.constructor?.name ? err.constructor.name : err.name;
  Object.defineProperty(safe, 'name', { value: name, enumerable: false, writable: true, configurable: true });
  safe.stack = `${name}: ${safe.message}${framesOf(err)}`;
  const copy = safe as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(err)) {
    if (!VALUE_FIELDS.has(key)) copy[key] = scrubValue(value, depth + 1);
  }
  if (err.cause !== undefined) safe.cause = scrubValue(err.cause, depth + 1);
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors)) copy.errors = errors.map((e) => scrubValue(e, depth + 1));
  return safe;
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  // Deeper than any real cause chain (and a cycle ends here): nothing of it is printed.
  if (depth > MAX_DEPTH) return value instanceof Error ? '[error chain cut]' : '[cut]';
  if (value instanceof Error) return scrubError(value, depth);
  // Errors also travel inside plain objects: Auth.js wraps the original as cause { err, ...its cause },
  // and a log call may pass { err }. Class instances (a Date, a Map) are printed as they are.
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (!VALUE_FIELDS.has(key)) copy[key] = scrubValue(v, depth + 1);
  return copy;
}

export function scrubLogArgs(args: unknown[]): unknown[] {
  return args.map((arg) => scrubValue(arg, 0));
}

const METHODS = ['error', 'warn', 'log', 'info', 'debug', 'trace'] as const;
const INSTALLED = Symbol.for('berth.log.scrubbed');
type Target = Pick<Console, (typeof METHODS)[number]> & { [INSTALLED]?: true };

/** Makes every call of `target`'s log methods go through scrubLogArgs. Idempotent. */
export function scrubConsole(target: Target = console): void {
  if (target[INSTALLED]) return;
  for (const method of METHODS) {
    const original = target[method].bind(target);
    target[method] = (...args: unknown[]) => original(...scrubLogArgs(args));
  }
  target[INSTALLED] = true;
}
