import { describe, expect, it } from 'vitest';
import { diffLive, logDelta, settledLogs } from './live-diff';
import { formatDuration, runGroups } from './live-groups';
import { applyLive, MAX_LOG, type LiveRun, type LiveState, type LiveTask } from './live-state';

const task = (runId: string, name: string, position: number, patch: Partial<LiveTask> = {}): LiveTask => ({
  id: `${runId}-${name}`,
  runId,
  name,
  position,
  status: 'pending',
  summary: null,
  exitCode: null,
  startedAt: null,
  finishedAt: null,
  log: '',
  ...patch,
});
const run = (id: string, serverName: string, recipe: string, tasks: LiveTask[]): LiveRun => ({
  id,
  serverName,
  recipe,
  status: 'running',
  error: null,
  failedTask: null,
  tasks,
});
const state = (runs: LiveRun[], status: LiveState['release']['status'] = 'running'): LiveState => ({
  release: {
    id: 'r',
    appId: 'a',
    kind: 'deploy',
    number: 1,
    ref: 'main',
    sha: null,
    subject: null,
    trigger: 'button',
    status,
    failedStep: null,
    error: null,
    bad: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
  },
  runs,
});
const replay = (from: LiveState, to: LiveState) => diffLive(from, to).reduce(applyLive, from);

describe('logDelta', () => {
  it('sends only the new tail of a growing log, and nothing for an unchanged one', () => {
    expect(logDelta('a\nb\n', 'a\nb\nc\n')).toEqual({ append: 'c\n' });
    expect(logDelta('', 'first\n')).toEqual({ append: 'first\n' });
    expect(logDelta('same', 'same')).toBeNull();
  });

  it('finds where the new text starts once the runner trims the head of a long log', () => {
    const before = Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join('');
    const after = `${before}line 500\nline 501\n`.slice(40);
    expect(logDelta(before, after)).toEqual({ append: 'line 500\nline 501\n' });
  });

  it('does not mistake repeated lines for the place it stopped', () => {
    const before = `${'x\n'.repeat(300)}end A\n`;
    const after = (before + 'x\n'.repeat(300)).slice(100);
    expect(logDelta(before, after)).toEqual({ append: 'x\n'.repeat(300) });
  });

  it('sends the whole log when it was rewritten', () => {
    expect(logDelta('old text', 'something else')).toEqual({ log: 'something else' });
  });
});

describe('diffLive', () => {
  const a = state([run('w1', 'web-1', 'release', [task('w1', 'lock', 0), task('w1', 'fetch', 1)])]);

  it('sends nothing when nothing changed', () => {
    expect(diffLive(a, structuredClone(a))).toEqual([]);
  });

  it('sends only the changed fields of a task and the appended log', () => {
    const b = structuredClone(a);
    b.runs[0]!.tasks[0] = { ...b.runs[0]!.tasks[0]!, status: 'running', startedAt: '2026-01-01T00:00:01.000Z', log: 'taking the lock\n' };
    expect(diffLive(a, b)).toEqual([
      {
        type: 'task',
        task: { id: 'w1-lock', runId: 'w1', status: 'running', startedAt: '2026-01-01T00:00:01.000Z', append: 'taking the lock\n' },
      },
    ]);
    const c = structuredClone(b);
    c.runs[0]!.tasks[0]!.log += 'locked\n';
    expect(diffLive(b, c)).toEqual([{ type: 'task', task: { id: 'w1-lock', runId: 'w1', append: 'locked\n' } }]);
  });

  it('sends the release when it changed, and a new run with its tasks (the automatic rollback)', () => {
    const b = structuredClone(a);
    b.release.status = 'rolled_back';
    b.runs.push(run('rb1', 'web-1', 'rollback', [task('rb1', 'switch', 0, { log: 'back\n' })]));
    const events = diffLive(a, b);
    expect(events.map((e) => e.type)).toEqual(['release', 'run', 'task']);
    expect(events[2]).toEqual({ type: 'task', task: b.runs[1]!.tasks[0] });
    expect(replay(a, b)).toEqual(b);
  });

  it('applied by the page, the events rebuild the new state exactly, and a long log stays capped', () => {
    const b = structuredClone(a);
    b.runs[0]!.status = 'failed';
    b.runs[0]!.error = 'fetch failed';
    b.runs[0]!.tasks[1] = { ...b.runs[0]!.tasks[1]!, status: 'failed', exitCode: 128, summary: 'unknown ref', log: 'y'.repeat(MAX_LOG) };
    expect(replay(a, b)).toEqual(b);
    const c = structuredClone(b);
    c.runs[0]!.tasks[1]!.log = `${c.runs[0]!.tasks[1]!.log}tail\n`.slice(-MAX_LOG);
    expect(replay(b, c).runs[0]!.tasks[1]!.log).toBe(c.runs[0]!.tasks[1]!.log);
  });

  it('lets the next read skip the logs of tasks that were already finished one read ago', () => {
    const b = structuredClone(a);
    b.runs[0]!.tasks[0] = { ...b.runs[0]!.tasks[0]!, status: 'changed', log: 'done\n' };
    expect([...settledLogs(b, new Set())]).toEqual([]);
    expect([...settledLogs(b, new Set(['w1-lock']))]).toEqual([['w1-lock', 'done\n']]);
  });
});

describe('runGroups', () => {
  it('orders steps by the recipe, servers by name, and puts the automatic rollback in its own group', () => {
    const s = state([
      run('w2', 'web-2', 'release', [task('w2', 'lock', 0, { status: 'changed' }), task('w2', 'switch', 1, { status: 'failed' })]),
      run('w1', 'web-1', 'release', [task('w1', 'switch', 1, { status: 'running' }), task('w1', 'lock', 0, { status: 'changed' })]),
      run('rb1', 'web-1', 'rollback', [task('rb1', 'switch', 0)]),
    ]);
    const [main, rollback] = runGroups(s);
    expect(main!.testIdPrefix).toBe('release-server');
    expect(main!.steps.map((st) => [st.name, st.status, st.cells.map((c) => c.serverName)])).toEqual([
      ['lock', 'changed', ['web-1', 'web-2']],
      ['switch', 'failed', ['web-1', 'web-2']],
    ]);
    expect(rollback).toMatchObject({ key: 'rollback', testIdPrefix: 'release-rollback', runs: [{ id: 'rb1' }] });
  });

  it('formats durations, counting an open one up to now', () => {
    expect(formatDuration('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.420Z', 0)).toBe('0.4 s');
    expect(formatDuration('2026-01-01T00:00:00.000Z', null, Date.parse('2026-01-01T00:02:05.000Z'))).toBe('2 min 05 s');
    expect(formatDuration(null, null, 0)).toBe('');
  });
});
