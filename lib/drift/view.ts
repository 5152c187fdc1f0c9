import type { DriftFinding } from '@/db/schema';

/** A finding as the pages show it (plain JSON for the client component). */
export function findingRow(f: DriftFinding, serverName: string) {
  return {
    id: f.id,
    serverName,
    subject: f.subject,
    change: f.change,
    diff: f.diff,
    detectedAt: f.detectedAt.toISOString().replace('T', ' ').slice(0, 16),
    dismissed: f.dismissedAt !== null,
  };
}
