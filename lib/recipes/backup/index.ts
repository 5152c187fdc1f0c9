import type { Recipe } from '../task';
import type { BackupContext, BackupKind } from './context';
import { drillDatabase, drillFiles } from './drill';
import { dump } from './dump';
import { files } from './files';
import { forget } from './forget';
import { prepare } from './prepare';
import { restoreDatabase, restoreFiles } from './restore';
import { upload } from './upload';
import { verify } from './verify';

/**
 * Backups on the app's server, read top to bottom. A backup's stages are its tasks: dumped
 * (dump + files) → uploaded → verified → retention; any task failing fails the run at that
 * stage. The run's secret files and staging are removed by the job afterwards, whatever happened.
 */
export const BACKUP_RECIPES: Record<BackupKind, Recipe<BackupContext>> = {
  backup: { name: 'backup', tasks: [prepare, dump, files, upload, verify, forget] },
  verify: { name: 'backup-verify', tasks: [prepare, verify] },
  drill: { name: 'backup-drill', tasks: [prepare, drillDatabase, drillFiles] },
  restore: { name: 'backup-restore', tasks: [prepare, restoreDatabase, restoreFiles] },
};

export type { BackupContext } from './context';
