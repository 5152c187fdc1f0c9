import type { Server } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import type { Tone } from '@/lib/model/tone';

export function serverStatus(server: Server, running: boolean): { label: string; tone: Tone } {
  if (server.hostKeyMismatchAt) return { label: 'host key changed', tone: 'bad' };
  if (!server.hostKeyFingerprint) return { label: 'host key not pinned', tone: 'warn' };
  if (running) return { label: 'provisioning', tone: 'warn' };
  if (server.lastError) return { label: 'unreachable', tone: 'bad' };
  if (server.provisionedAt) return { label: 'provisioned', tone: 'good' };
  return { label: 'not provisioned', tone: 'neutral' };
}

export function ServerStatus({ server, running = false }: { server: Server; running?: boolean }) {
  const { label, tone } = serverStatus(server, running);
  return <Badge tone={tone}>{label}</Badge>;
}
