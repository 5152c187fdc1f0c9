/**
 * How a status reads: good, bad, a warning, or neither. lib/ judges a status (lib/dashboard/status.ts);
 * components/ui/badge.tsx decides what each tone looks like.
 */
export type Tone = 'neutral' | 'good' | 'bad' | 'warn';
