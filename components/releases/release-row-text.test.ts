import { describe, expect, it } from 'vitest';
import { branchOf, duration, pageParam, startedBy } from './release-row-text';

describe('the releases table’s words', () => {
  it('names who or what started a release, and the API token it came through', () => {
    const by = (trigger: string, requestedByEmail: string | null, apiTokenName: string | null = null) =>
      startedBy({ trigger: trigger as never, requestedByEmail, apiTokenName });
    expect(by('button', 'ada@example.test')).toBe('ada@example.test');
    expect(by('redeploy', 'ada@example.test')).toBe('ada@example.test (redeploy)');
    expect(by('button', 'ada@example.test', 'ci')).toBe('ada@example.test via API token “ci”');
    expect(by('rollback', null)).toBe('a removed user');
    expect(by('webhook', null)).toBe('webhook');
    expect(by('auto-rollback', null)).toBe('auto-rollback (health check)');
  });

  it('shows a duration only for a release that started and ended, and where a rollback went', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    expect(duration({ startedAt: at(0), finishedAt: at(42) })).toBe('42 s');
    expect(duration({ startedAt: at(0), finishedAt: null })).toBeNull();
    expect(duration({ startedAt: null, finishedAt: null })).toBeNull();
    expect(branchOf({ kind: 'rollback', ref: 'releases/3' })).toBe('→ releases/3');
    expect(branchOf({ kind: 'deploy', ref: 'main' })).toBe('main');
  });

  it('reads ?page= as a whole number from 1, anything else as page 1', () => {
    expect(pageParam('3')).toBe(3);
    expect(pageParam(['2', '5'])).toBe(2);
    for (const bad of [undefined, '', 'abc', '0', '-2', '1.5', '1e400', ' 2x']) expect(pageParam(bad), String(bad)).toBe(1);
  });
});
