import type { ReleaseStatus, TaskStatus } from '@/db/schema';
import type { Tone } from '@/lib/model/tone';

// One colour per status, wherever a release or a task shows as a badge.
export const RELEASE_TONE: Record<ReleaseStatus, Tone> = {
  queued: 'neutral',
  running: 'warn',
  succeeded: 'good',
  failed: 'bad',
  rolled_back: 'bad',
  interrupted: 'bad',
  cancelled: 'neutral',
};

export const TASK_TONE: Record<TaskStatus, Tone> = {
  pending: 'neutral',
  running: 'warn',
  changed: 'good',
  unchanged: 'neutral',
  failed: 'bad',
  skipped: 'neutral',
};
