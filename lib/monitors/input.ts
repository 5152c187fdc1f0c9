/**
 * What an operator may type for a monitor, shared by the form and the action (rule 3): every
 * field error is reported at once. The URL rules live in lib/remote/url-safety.ts and run again at
 * connect time; this is the edge.
 */
import { z } from 'zod';
import { singleLine, trimmedLine } from '@/lib/model/text';
import { MONITOR_KINDS } from '@/db/schema';
import { parseStatusSpec } from './status-spec';
import { monitorUrlProblem } from '@/lib/remote/url-safety';

export const MIN_INTERVAL_S = 10;
export const MAX_INTERVAL_S = 31 * 86_400;
export const HTTP_METHODS = ['GET', 'HEAD', 'POST'] as const;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const int = (label: string, min: number, max: number, unit = '') =>
  z.coerce
    .number({ error: `${label} must be a number` })
    .int(`${label} must be a whole number`)
    .min(min, `${label} must be at least ${min}${unit}`)
    .max(max, `${label} must be at most ${max}${unit}`);

export const intervalInput = z.coerce
  .number({ error: 'The interval must be a number of seconds' })
  .int('The interval must be a whole number of seconds')
  .min(MIN_INTERVAL_S, `An interval under ${MIN_INTERVAL_S} s is rejected: checks run at most every ${MIN_INTERVAL_S} seconds`)
  .max(MAX_INTERVAL_S, 'The interval must be at most 31 days');
export const timeoutInput = int('The timeout', 1000, 60_000, ' ms');
export const retriesInput = int('Retries', 0, 10);
export const pausedInput = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean()).default(false);

export const expectedStatusInput = trimmedLine(200).superRefine((spec, ctx) => {
  const parsed = parseStatusSpec(spec);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
});

export const monitorUrlInput = trimmedLine(2000).superRefine((url, ctx) => {
  const problem = monitorUrlProblem(url);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const keywordInput = z.preprocess(blankToUndefined, singleLine(200).optional());

/**
 * One flat object (a FormData payload) checked per kind afterwards, so an HTTP monitor with a
 * bad URL and a bad interval gets both errors, and a heartbeat ignores the HTTP fields.
 */
export const monitorInput = z
  .object({
    kind: z.enum(MONITOR_KINDS, { error: 'Choose HTTP or heartbeat' }),
    name: trimmedLine(100).min(1, 'Give the monitor a name'),
    url: z.preprocess(blankToUndefined, monitorUrlInput.optional()),
    method: z.enum(HTTP_METHODS, { error: 'The method is GET, HEAD or POST' }).default('GET'),
    intervalS: intervalInput.default(60),
    timeoutMs: z.preprocess(blankToUndefined, timeoutInput.default(10_000)),
    expectedStatus: z.preprocess(blankToUndefined, expectedStatusInput.default('200-299')),
    keyword: keywordInput,
    retries: z.preprocess(blankToUndefined, retriesInput.default(0)),
    graceS: z.preprocess(blankToUndefined, int('The grace period', 0, 86_400, ' s').default(0)),
    paused: pausedInput,
  })
  .superRefine(
    (m, ctx) => {
      if (m.kind !== 'http') return;
      // Runs even when other fields failed (`when` below), so values may be missing: check each.
      if (m.url === undefined && !ctx.issues?.some((i) => i.path?.[0] === 'url'))
        ctx.addIssue({ code: 'custom', path: ['url'], message: 'Enter the URL to check' });
      // A check must end before the next one is due, or slow targets would pile up.
      if (typeof m.timeoutMs === 'number' && typeof m.intervalS === 'number' && m.timeoutMs >= m.intervalS * 1000) {
        ctx.addIssue({ code: 'custom', path: ['timeoutMs'], message: 'The timeout must be shorter than the interval' });
      }
      if (m.keyword !== undefined && m.method === 'HEAD')
        ctx.addIssue({ code: 'custom', path: ['keyword'], message: 'A HEAD request has no body to search; use GET' });
    },
    { when: () => true },
  )
  .transform((m) => ({ ...m, url: m.kind === 'http' ? m.url!.trim() : null, keyword: m.kind === 'http' ? (m.keyword ?? null) : null }));

export type MonitorInput = z.output<typeof monitorInput>;

/** Berth's own checks (one per app domain and server) keep their target; only timing is the operator's. */
export const autoMonitorEditInput = z
  .object({ intervalS: intervalInput, timeoutMs: timeoutInput, retries: retriesInput, paused: pausedInput })
  .refine((m) => m.timeoutMs < m.intervalS * 1000, { path: ['timeoutMs'], message: 'The timeout must be shorter than the interval' });

export type AutoMonitorEdit = z.output<typeof autoMonitorEditInput>;
