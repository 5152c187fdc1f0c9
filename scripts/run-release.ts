// Runs one queued release by id, outside the panel (the kill -9 test runs it in a process it can
// kill). Usage: DATABASE_URL=… BERTH_KEY_RING=v1:… node scripts/run-release.ts <releaseId> <dataDir>
// (through scripts/run-ts.mjs). The key ring comes from the environment, never from argv.
import { drizzleFor, openClient } from '@/db/client';
import { parseKeyRing } from '@/lib/crypto';
import { runRelease } from '@/lib/releases/release-job';

const [releaseId, dataDir] = process.argv.slice(2);
if (!releaseId || !dataDir || !process.env.DATABASE_URL || !process.env.BERTH_KEY_RING) {
  console.error('usage: DATABASE_URL=… BERTH_KEY_RING=… run-release <releaseId> <dataDir>');
  process.exit(2);
}
const client = await openClient({ databaseUrl: process.env.DATABASE_URL });
await runRelease(drizzleFor(client), parseKeyRing(process.env.BERTH_KEY_RING), releaseId, new AbortController().signal, dataDir);
process.exit(0);
