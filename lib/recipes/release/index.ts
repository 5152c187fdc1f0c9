import type { Recipe } from '../task';
import { cleanup } from './cleanup';
import { build, preSwitchCheck, releaseCommands } from './commands';
import type { ReleaseContext, RollbackContext } from './context';
import { extract } from './extract';
import { gate } from './gate';
import { healthCheck } from './health-check';
import { hooks } from './hooks';
import { linkShared } from './link-shared';
import { opcacheWarmup } from './opcache-warmup';
import { prepare } from './prepare';
import { restartWorkers } from './restart-workers';
import { snapshot } from './snapshot';
import { startNewProcess, startTargetProcess } from './start-process';
import { switchBack, switchRelease } from './switch';
import { writeEnv, writeTargetEnv } from './write-env';

/**
 * A release, read top to bottom (Deployer's recipe/common.php). The runner completes each task
 * on every server before the next starts, so `switch` happens only once every server has built
 * and passed the pre-switch check, and (process apps) runs the new process healthy beside the old
 * one. Fetching the commit happens once, on the panel, before this.
 */
export const releaseRecipe: Recipe<ReleaseContext> = {
  name: 'release',
  tasks: [
    prepare,
    extract,
    linkShared,
    writeEnv,
    build,
    releaseCommands,
    snapshot,
    hooks,
    preSwitchCheck,
    gate,
    opcacheWarmup,
    startNewProcess,
    switchRelease,
    restartWorkers,
    healthCheck,
    cleanup,
  ],
  // cleanup is not here: a failed cleanup leaves the release live and healthy (a note, not a rollback).
  afterSwitch: ['switch', 'restart-workers', 'health-check'],
};

/** Back to an earlier release's directory: (the env revision it restores, if any), (process apps: start it beside the live one), switch, restart workers, check health. */
export const rollbackRecipe: Recipe<RollbackContext> = {
  name: 'rollback',
  tasks: [writeTargetEnv, startTargetProcess, switchBack, restartWorkers, healthCheck],
};

export type { ReleaseContext, RollbackContext } from './context';
