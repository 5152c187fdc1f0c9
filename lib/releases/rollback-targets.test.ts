import { describe, expect, it } from 'vitest';
import type { Release } from '@/db/schema';
import { noPreviousNote, otherTargetsNote, releaseStanding } from './release-labels';
import { decideRollbackTargets, isRefusal, pickTarget, type RollbackChoice } from './rollback-targets';

// The rule on its own, over release rows made here (the query side: rollback-agreement.test.ts).

let clock = Date.parse('2026-03-10T12:00:00Z');
function row(r: Partial<Release> & Pick<Release, 'id' | 'kind'>): Release {
  clock += 60_000;
  return {
    appId: 'app',
    number: null,
    targetId: null,
    ref: 'main',
    sha: null,
    subject: null,
    envRevision: null,
    restoresEnv: false,
    trigger: 'button',
    requestedBy: null,
    status: 'succeeded',
    failedStep: null,
    error: null,
    bad: false,
    pinned: false,
    canary: false,
    cancelRequestedAt: null,
    cancelledBy: null,
    createdAt: new Date(clock - 30_000),
    startedAt: new Date(clock - 30_000),
    finishedAt: new Date(clock),
    ...r,
  };
}
const deploy = (n: number, r: Partial<Release> = {}) => row({ id: `d${n}`, kind: 'deploy', number: n, ...r });
let rollbacks = 0;
const rollback = (to: Release) =>
  row({ id: `r${++rollbacks}`, kind: 'rollback', targetId: to.id, ref: `releases/${to.number}`, trigger: 'rollback' });
/** `history`: the succeeded releases in the order they finished (the query hands them newest first). */
const decide = (history: Release[], keep = 5) => decideRollbackTargets([...history].reverse(), keep);
const numbers = (c: RollbackChoice) => c.targets.map((t) => t.release.number);
/** What release-job.ts does when a rollback succeeds: the deploy it moved away from is marked bad. */
const markBad = (d: Release) => Object.assign(d, { bad: true });

describe('rollback targets: one rule', () => {
  it('nothing succeeded: nothing live, nothing to roll back to', () => {
    const c = decide([]);
    expect([c.live, c.via, c.previous, c.targets]).toEqual([null, null, null, []]);
    expect(pickTarget(c, {})).toEqual({ refused: 'There is no earlier successful deploy to roll back to.', code: 'rejected' });
  });

  it('offers the kept deploys but the live one; "previous" is the newest older one', () => {
    const [d1, d2, d3] = [deploy(1), deploy(2), deploy(3)];
    const c = decide([d1, d2, d3]);
    expect(c.live?.id).toBe(d3.id);
    expect(numbers(c)).toEqual([2, 1]);
    expect(c.targets.every((t) => t.older && !t.bad)).toBe(true);
    expect(c.previous?.release.id).toBe(d2.id);
    expect(pickTarget(c, { number: 3 })).toEqual({ refused: 'releases/3 is already live.', code: 'conflict' });
    expect(pickTarget(c, { id: d3.id })).toMatchObject({ code: 'conflict' });
  });

  it('beyond keepReleases a deploy was cleaned up, unless pinned', () => {
    const c = decide([deploy(1, { pinned: true }), deploy(2), deploy(3), deploy(4), deploy(5)], 3);
    expect(numbers(c)).toEqual([4, 3, 1]);
    expect([...c.cleanedUp]).toEqual(['d2']);
    expect(pickTarget(c, { number: 2 })).toEqual({
      refused: 'releases/2 was cleaned up on the servers; deploy its commit instead.',
      code: 'rejected',
    });
    expect(pickTarget(c, { number: 1 })).toMatchObject({ release: { id: 'd1' }, older: true });
    expect(pickTarget(c, { number: 9 })).toEqual({
      refused: 'Deploy #9 of this app did not succeed or does not exist.',
      code: 'not_found',
    });
    expect(pickTarget(c, { id: 'elsewhere' })).toMatchObject({ refused: 'Only a successful deploy of this app can be rolled back to.' });
    expect(releaseStanding(deploy(2, { id: 'd2' }), c)).toMatchObject({ text: 'cleaned up' });
  });

  it('a bad deploy is offered with the reason, and "previous" skips it', () => {
    const [d1, d2, d3] = [deploy(1), deploy(2), deploy(3)];
    const back = rollback(d2);
    markBad(d3);
    const c = decide([d1, d2, d3, back]);
    expect([c.live?.id, c.via?.id]).toEqual([d2.id, back.id]);
    expect(numbers(c)).toEqual([3, 1]);
    const three = c.targets[0]!;
    expect(three).toMatchObject({ older: false, bad: { rolledBackBy: { id: back.id } } });
    expect(three.bad!.reason).toBe(`rolled back from on ${back.finishedAt!.toISOString().replace('T', ' ').slice(0, 16)} UTC (back to #2)`);
    expect(c.previous?.release.id).toBe(d1.id);
    expect(pickTarget(c, { id: d3.id })).toBe(three); // chosen by hand: allowed
    expect(releaseStanding(d3, c)).toMatchObject({ text: `bad: ${three.bad!.reason}`, tone: 'bad' });
    expect(releaseStanding(d2, c)).toMatchObject({ text: 'live', tone: 'good' });
    expect(releaseStanding(d1, c)).toBeNull(); // an ordinary kept deploy: its status says it
    expect(otherTargetsNote(c)).toBe(`Also kept: #3 (bad: ${three.bad!.reason}).`);
  });

  it('rolled back to a bad deploy on purpose: it reads live and says so, never "succeeded bad current"', () => {
    const [d1, d2, d3] = [deploy(1), deploy(2), deploy(3)];
    const away = rollback(d2);
    markBad(d3);
    const toBad = rollback(d3);
    markBad(d2);
    const c = decide([d1, d2, d3, away, toBad]);
    expect(c.live?.id).toBe(d3.id);
    expect(c.liveBad?.rolledBackBy?.id).toBe(away.id);
    const live = releaseStanding(d3, c)!;
    expect(live.text).toBe(`live, though marked bad (${c.liveBad!.reason}): rolled back to on purpose`);
    expect(live.tone).toBe('warn');
    // #2 was live when the operator went back to #3: bad now, with that rollback as the reason.
    expect(c.bad.get(d2.id)).toMatchObject({ rolledBackBy: { id: toBad.id }, reason: expect.stringContaining('(back to #3)') });
    expect(numbers(c)).toEqual([2, 1]);
    expect(c.previous?.release.id).toBe(d1.id);
    // One label per row, in place of the status: the live and the bad rows never read "succeeded".
    for (const r of [d2, d3]) expect(releaseStanding(r, c)?.text).not.toMatch(/succeeded|current/);
  });

  it('nothing older and good: "previous" refuses but names what is kept; the dashboard note does too', () => {
    const [d1, d2, d3] = [deploy(1), deploy(2), deploy(3)];
    const back = rollback(d1);
    markBad(d3);
    const c = decide([d1, d2, d3, back]);
    expect(numbers(c)).toEqual([3, 2]);
    expect(c.targets.map((t) => t.older)).toEqual([false, false]);
    expect(c.previous).toBeNull();
    const refusal = pickTarget(c, {});
    expect(isRefusal(refusal) && refusal.refused).toMatch(
      /^There is no earlier deploy to roll back to that is not marked bad\. Kept on the servers: #3 \(bad: .*\), #2; name one/,
    );
    expect(noPreviousNote(c)).toMatch(
      /^No earlier deploy that is not marked bad\. Kept on the servers: #3 \(bad: .*\), #2; choose one on the app page\.$/,
    );
    expect(noPreviousNote(c)).not.toContain('No earlier kept deploy');
    expect(otherTargetsNote(c)).toBeNull(); // noPreviousNote already names them
  });

  it('no live release (the last rollback points at a deploy that is gone): every kept deploy, no "previous"', () => {
    const [d1, d2] = [deploy(1), deploy(2)];
    const lost = row({ id: 'r-lost', kind: 'rollback', targetId: 'missing', ref: 'releases/7', trigger: 'rollback' });
    const c = decide([d1, d2, lost]);
    expect([c.live, c.via?.id, c.previous]).toEqual([null, lost.id, null]);
    expect(numbers(c)).toEqual([2, 1]);
    expect(noPreviousNote(c)).toContain('Kept on the servers: #2, #1');
  });

  it('rollback releases are never targets, and never count towards the kept ones', () => {
    const [d1, d2, d3] = [deploy(1), deploy(2), deploy(3)];
    const history = [d1, d2, rollback(d1), rollback(d2), d3, rollback(d2)];
    markBad(d3);
    const c = decide(history, 2);
    expect(c.targets.map((t) => t.release.kind)).toEqual(['deploy']);
    expect(numbers(c)).toEqual([3]); // kept: #3, #2 (live); #1 cleaned up, whatever the rollbacks
    expect(pickTarget(c, { id: 'r1' })).toMatchObject({ refused: 'Only a successful deploy of this app can be rolled back to.' });
    expect(noPreviousNote(decide([d1]))).toBe('No other deploy is kept on the servers to roll back to.');
  });
});
