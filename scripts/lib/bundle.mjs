// One esbuild setup for the TypeScript that runs outside Next (the server, benches):
// ESM for Node 22, node_modules left external, the project's path aliases resolved.
import path from 'node:path';
import { build } from 'esbuild';

export const root = path.resolve(import.meta.dirname, '../..');

export function bundle(entry, outfile, extra = {}) {
  return build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    tsconfig: path.join(root, 'tsconfig.json'),
    logLevel: 'warning',
    ...extra,
  });
}
