// Re-seals every stored secret with the newest BERTH_MASTER_KEY version, then says which older
// versions can be removed. Usage (README, "Rotating the master key"):
//   npm run rotate-key [-- --new-key] [-- --drop-old]
// It reads BERTH_DATA_DIR / DATABASE_URL / BERTH_MASTER_KEY as the panel does (lib/boot/secrets);
// key material never reaches argv or the output.
import { ConfigError } from '@/lib/config/env';
import { KeyRingError } from '@/lib/crypto';
import { RotateCommandError, rotateMasterKey } from '@/lib/keys/rotate-command';
import { RotationError } from '@/lib/keys/rotate';

const USAGE = `usage: npm run rotate-key [-- --new-key] [-- --drop-old]
  (no flag)   reseal every secret with the newest key in the ring, report old versions still in use
  --new-key   embedded mode: first append a new key version to <data dir>/master.key
  --drop-old  embedded mode: afterwards remove the versions nothing uses from master.key`;

const args = process.argv.slice(2);
const known = new Set(['--new-key', '--drop-old']);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = args.filter((a) => !known.has(a));
if (unknown.length > 0) {
  console.error(`rotate-key: unknown argument ${unknown.join(' ')}\n${USAGE}`);
  process.exit(2);
}

try {
  await rotateMasterKey(process.env, { newKey: args.includes('--new-key'), dropOld: args.includes('--drop-old') }, (line) =>
    console.log(line),
  );
  process.exit(0);
} catch (err) {
  if (err instanceof RotationError || err instanceof RotateCommandError || err instanceof ConfigError || err instanceof KeyRingError) {
    console.error(`rotate-key: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
