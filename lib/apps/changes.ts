import type { AppConfig } from '@/lib/model/app-config';

/**
 * Which settings a save changed, as dotted names (e.g. `pool.maxChildren`), for the audit trail.
 * Names only: values such as a snippet can be long, and the audit row should stay readable.
 */
export function changedSettings(before: AppConfig, after: AppConfig): string[] {
  const out: string[] = [];
  const was = before as Record<string, unknown>;
  const now = after as Record<string, unknown>;
  for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
    const a = was[key];
    const b = now[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const sub of new Set([...Object.keys(a), ...Object.keys(b)]))
        if (JSON.stringify(a[sub]) !== JSON.stringify(b[sub])) out.push(`${key}.${sub}`);
    } else out.push(key);
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
