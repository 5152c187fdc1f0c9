import type { Recipe } from '../task';
import type { ProvisionContext } from './context';
import { detectSystem } from './detect-system';
import { installPackages } from './install-packages';
import { nginxBase } from './nginx-base';
import { phpBase } from './php-base';
import { services } from './services';

/** Forge-style server setup, read top to bottom. Every task looks before it changes anything. */
export const provisionRecipe: Recipe<ProvisionContext> = {
  name: 'provision',
  tasks: [detectSystem, installPackages, nginxBase, phpBase, services],
};

export type { ProvisionContext } from './context';
