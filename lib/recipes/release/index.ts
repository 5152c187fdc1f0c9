import type { Recipe } from '../task';
import { cleanup } from './cleanup';
import { build, preSwitchCheck, releaseCommands } from './commands';
import type { ReleaseContext, RollbackContext } from './context';
import { extract } from './extract';
import { healthCheck } from './health-check';
import { hooks } from './hooks';
import { linkShared } from './link-shared';
import { prepare } from './prepare';
import { restartWorkers } from './restart-workers';
import { snapshot } from './snapshot';
import { switchBack, switchRelease } from './switch';

/**
 * A release, read top to bottom (Deployer's recipe/common.php). The runner completes each task
 * on every server before the next starts, so `switch` happens only once every server has built
 * and passed the pre-switch check. Fetching the commit happens once, on the panel, before this.
 */
export const releaseRecipe: Recipe<ReleaseContext> = {
  name: 'release',
  tasks: [prepare, extract, linkShared, build, releaseCommands, snapshot, hooks, preSwitchCheck, switchRelease, restartWorkers, healthCheck, cleanup],
};

/** Back to an earlier release's directory: switch, restart workers, check health. */
export const rollbackRecipe: Recipe<RollbackContext> = {
  name: 'rollback',
  tasks: [switchBack, restartWorkers, healthCheck],
};

export type { ReleaseContext, RollbackContext } from './context';
