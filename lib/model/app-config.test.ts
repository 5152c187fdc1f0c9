import { describe, expect, it } from 'vitest';
import { appConfigInput } from './app-config';

const base = { slug: 'shop', kind: 'php', domains: ['shop.example.com'] };

function errors(input: unknown): Record<string, string[]> {
  const parsed = appConfigInput.safeParse(input);
  if (parsed.success) return {};
  const out: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.join('.');
    out[key] = [...(out[key] ?? []), issue.message];
  }
  return out;
}

describe('app input', () => {
  it('accepts a plain PHP app with defaults', () => {
    const app = appConfigInput.parse(base);
    expect(app).toMatchObject({
      phpVersion: '8.2',
      webRoot: 'public',
      pool: { pm: 'dynamic', maxChildren: 5 },
      workers: [],
      scheduler: false,
    });
  });

  it('refuses metacharacters, .. paths, max_children of 0 and reserved slugs, all at once', () => {
    expect(
      errors({
        ...base,
        slug: 'shop;rm',
        domains: ['shop.example.com; include x', 'ok.example.com'],
        webRoot: '../etc',
        phpVersion: '8.2; id',
        sharedPaths: ['storage/../..'],
        pool: { maxChildren: 0 },
      }),
    ).toEqual({
      slug: ['A slug is a lowercase letter, then up to 31 lowercase letters, digits or dashes'],
      'domains.0': ['Enter a domain name such as shop.example.com'],
      webRoot: ['A path may not contain . or .. parts'],
      'sharedPaths.0': ['A path may not contain . or .. parts'],
      'pool.maxChildren': ['max_children must be at least 1'],
      phpVersion: ['A PHP version looks like 8.2'],
    });
    expect(errors({ ...base, slug: 'www-data' })).toEqual({ slug: ['This slug is reserved (it would clash with a system user)'] });
  });

  it('checks cron schedules with a real parser', () => {
    expect(errors({ ...base, cron: [{ schedule: '61 * * * *', argv: ['php', 'artisan', 'x'] }] })['cron.0.schedule']![0]).toMatch(
      /^minute: 61 is out of range/,
    );
    expect(errors({ ...base, cron: [{ schedule: '*/5 * * * *', argv: ['php', 'artisan', 'x'] }] })).toEqual({});
  });
});
