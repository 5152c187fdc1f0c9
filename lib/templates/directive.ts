/**
 * Values interpolated into nginx, PHP-FPM, supervisor and cron files. Callers validate input
 * at the edge; this is the second line: a value that could end a directive, open a block or
 * start a new line is refused here, whatever the caller forgot.
 */
const SAFE = /^[A-Za-z0-9._:/@%+=,[\]*-]+$/;

export class TemplateValueError extends Error {
  override name = 'TemplateValueError';
}

export function safe(name: string, value: string | number): string {
  const text = String(value);
  if (!SAFE.test(text)) throw new TemplateValueError(`${name} has characters a config file cannot carry safely: ${JSON.stringify(text)}`);
  return text;
}

export function positiveInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new TemplateValueError(`${name} must be a whole number ≥ ${min}, got ${value}`);
  return value;
}

export const HEADER = 'Managed by Berth: changes here are overwritten at the next configure.';
