import type { Release } from '@/db/schema';
import type { Tone } from '@/lib/model/tone';
import { targetText, type RollbackChoice } from './rollback-targets';

// How releases read wherever rollback is offered, from the one rule in rollback-targets.ts, so
// the releases list and the dashboard card say the same thing in the same words.

export type Standing = { text: string; tone: Tone; title: string };

/**
 * A release's standing when it says more than its status: live, bad (and why), cleaned up.
 * One label per row, replacing "succeeded", so a row never reads "succeeded bad current".
 * Null: the status says it all (a failed deploy, a rollback, an ordinary kept deploy).
 */
export function releaseStanding(r: Release, choice: RollbackChoice): Standing | null {
  if (r.id === choice.live?.id) {
    if (!choice.liveBad) return { text: 'live', tone: 'good', title: 'Its directory is current on the servers.' };
    return {
      text: `live, though marked bad (${choice.liveBad.reason}): rolled back to on purpose`,
      tone: 'warn',
      title: 'Someone rolled back to this deploy although it had been rolled back from; it is what the servers run now.',
    };
  }
  const bad = choice.bad.get(r.id);
  const gone = choice.cleanedUp.has(r.id);
  if (bad)
    return {
      text: `bad: ${bad.reason}${gone ? '; cleaned up' : ''}`,
      tone: 'bad',
      title: gone
        ? 'Its directory was removed from the servers: deploy its commit to run it again.'
        : 'Still kept on the servers: you may roll back to it, but "roll back to previous" skips it.',
    };
  if (gone)
    return {
      text: 'cleaned up',
      tone: 'neutral',
      title: 'Its directory was removed from the servers (beyond the kept releases): deploy its commit to run it again.',
    };
  return null;
}

/** The dashboard card's line when one click has no earlier good deploy: what the app page still offers, and why not here. */
export function noPreviousNote(choice: RollbackChoice): string {
  if (choice.targets.length === 0) return 'No other deploy is kept on the servers to roll back to.';
  return `No earlier deploy that is not marked bad. Kept on the servers: ${choice.targets.map(targetText).join(', ')}; choose one on the app page.`;
}

/** Beside the one-click target: the other kept deploys, offered on the app page (none without one: noPreviousNote names them). */
export function otherTargetsNote(choice: RollbackChoice): string | null {
  if (!choice.previous) return null;
  const others = choice.targets.filter((t) => t !== choice.previous);
  if (others.length === 0) return null;
  return `Also kept: ${others.map(targetText).join(', ')}.`;
}
