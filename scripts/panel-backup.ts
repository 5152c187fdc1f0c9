// The panel's own backup, run on the panel machine (README, "The panel's own backup"):
//   npm run backup-panel -- TARGET
//   npm run backup-key -- TARGET [--json] [--with-credential]
//   npm run restore-panel -- --from SHEET.json [--credential-file FILE] [--snapshot ID]
// It reads BERTH_DATA_DIR / DATABASE_URL / BERTH_MASTER_KEY as the panel does; key material
// never reaches argv, and only backup-key prints a key (the one it is asked for).
import { PanelRestoreError } from '@/lib/backups/panel-restore';
import { backupKeyCommand, backupPanelCommand, PanelCommandError, restorePanelCommand } from '@/lib/backups/panel-command';
import { ConfigError } from '@/lib/config/env';
import { KeyRingError } from '@/lib/crypto';
import { parseArgs } from 'node:util';

const USAGE = `usage:
  npm run backup-panel -- TARGET            back up the panel's database to TARGET now (PGlite: with the panel stopped)
  npm run backup-key -- TARGET [--json]     print TARGET's repository key (--json: the recovery sheet restore-panel reads;
                        [--with-credential]  add the target's credential to the sheet)
  npm run restore-panel -- --from SHEET.json [--credential-file FILE] [--snapshot ID]
                                            restore the newest (or ID) panel backup into a NEW data dir / empty database`;

const [verb, ...rest] = process.argv.slice(2);
const command = { backup: 'backup-panel', key: 'backup-key', restore: 'restore-panel' }[verb ?? ''] ?? 'panel-backup';
let parsed: ReturnType<typeof parse>;
function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      'with-credential': { type: 'boolean' },
      from: { type: 'string' },
      'credential-file': { type: 'string' },
      snapshot: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
try {
  parsed = parse(rest);
} catch (err) {
  console.error(`${command}: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const { values: opts, positionals } = parsed;
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

try {
  if (verb === 'backup' && positionals.length === 1) {
    const r = await backupPanelCommand(process.env, positionals[0]!);
    console.log(
      `Backed up the panel (${r.manifest.format}, ${(r.manifest.bytes / 1e6).toFixed(1)} MB, sha256 ${r.manifest.sha256.slice(0, 12)}…) ` +
        `to ${r.repository}: snapshot ${r.snapshotId}, read back and matched, ${(r.durationMs / 1000).toFixed(1)} s.`,
    );
  } else if (verb === 'key' && positionals.length === 1) {
    const sheet = await backupKeyCommand(process.env, positionals[0]!, { withCredential: opts['with-credential'] });
    console.error("This key decrypts every backup on the target (the apps' and the panel's). Keep it offline, apart from the master key.");
    console.log(opts.json ? JSON.stringify(sheet, null, 2) : sheet.repoKey);
  } else if (verb === 'restore' && positionals.length === 0 && opts.from) {
    const r = await restorePanelCommand(process.env, {
      sheetFile: opts.from,
      credentialFile: opts['credential-file'],
      snapshot: opts.snapshot,
    });
    for (const w of r.warnings) console.warn(`warning: ${w}`);
    console.log(
      `Restored panel snapshot ${r.snapshotId} (taken ${r.manifest.createdAt}) into ${r.where} in ${(r.durationMs / 1000).toFixed(1)} s; ` +
        'the master key opens it. Start the panel with the same environment.',
    );
  } else {
    console.error(USAGE);
    process.exit(2);
  }
  process.exit(0);
} catch (err) {
  const known = [PanelCommandError, PanelRestoreError, ConfigError, KeyRingError].some((k) => err instanceof k);
  // An operator's problem is one line; anything else keeps its stack for a bug report.
  console.error(known ? `${command}: ${(err as Error).message}` : err);
  process.exit(1);
}
