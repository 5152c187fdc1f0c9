import { services } from '../provision/services';
import type { Recipe } from '../task';
import { appDirs } from './app-dirs';
import { appUser } from './app-user';
import { database } from './database';
import { fpmPool, scheduler, vhost, workers } from './config-files';
import { preflight } from './preflight';
import { redis } from './redis';
import { tls } from './tls';
import type { ConfigureContext } from './context';

/**
 * Configure an app on a server, separate from releases: changing a pool size needs no release,
 * and a release never reloads config. Each file is written atomically, validated, and put back
 * when its validator refuses it; only then are services reloaded (by the shared services task).
 */
export const configureRecipe: Recipe<ConfigureContext> = {
  name: 'configure',
  tasks: [preflight, appUser, appDirs, database, redis, fpmPool, vhost, tls, workers, scheduler, services],
};

export type { AppRole, ConfigureContext } from './context';
