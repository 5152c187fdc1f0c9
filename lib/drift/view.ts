import type { DriftFinding } from '@/db/schema';

/**
 * A finding as the pages show it (plain JSON for the client component). The diff shows the
 * server's file as it is, which only admins see elsewhere ("pending changes"): others get none.
 */
export function findingRow(f: DriftFinding, serverName: string, showDiff: boolean) {
  return {
    id: f.id,
    serverName,
    subject: f.subject,
    change: f.change,
    diff: showDiff ? f.diff : null,
    detectedAt: f.detectedAt,
    dismissed: f.dismissedAt !== null,
  };
}
