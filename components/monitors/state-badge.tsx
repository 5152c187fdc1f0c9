import { Badge } from '@/components/ui/badge';
import type { Tone } from '@/lib/model/tone';
import type { MonitorState } from '@/db/schema';

const TONE: Record<MonitorState, Tone> = { up: 'good', down: 'bad', pending: 'neutral', paused: 'warn' };

export function MonitorStateBadge({ state }: { state: MonitorState }) {
  return (
    <span data-testid="monitor-state" data-state={state}>
      <Badge tone={TONE[state]}>{state}</Badge>
    </span>
  );
}
