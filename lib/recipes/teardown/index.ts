import { fpmPool, scheduler, vhost, workers } from '../configure/config-files';
import { services } from '../provision/services';
import type { Recipe } from '../task';
import { appFiles } from './app-files';
import { removeAppUser } from './app-user';
import type { TeardownContext } from './context';
import { dataServices } from './data';
import { tlsFiles } from './tls-files';

/**
 * Takes an app off one server: everything configure and releases put there, named by its slug.
 * The configure tasks, run with no roles, remove the app's config files (desired-files.ts plans
 * them absent, and each removal is validated and put back if nginx -t or php-fpm -t refuses);
 * `services` then reloads nginx and PHP-FPM without them. Only after that go the certificates,
 * the data (when asked), the files and the user. Every task looks first: a second run (a retry
 * after a half-failed delete) reports "unchanged" for what is already gone.
 */
export const teardownRecipe: Recipe<TeardownContext> = {
  name: 'teardown',
  tasks: [workers, scheduler, vhost, fpmPool, services, tlsFiles, dataServices, appFiles, removeAppUser],
};

export type { TeardownContext } from './context';
