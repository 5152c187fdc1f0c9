// One esbuild setup for the TypeScript that runs outside Next (the server, benches):
// ESM for Node 22, node_modules left external, the project's path aliases resolved.
import path from 'node:path';
import { build } from 'esbuild';

export const root = path.resolve(import.meta.dirname, '../..');

/**
 * `@/x` is the project's `./x` (tsconfig paths). Resolved here rather than by esbuild's tsconfig
 * lookup, because with `packages: 'external'` an alias that does not resolve (a moved module)
 * silently became an external package import, and failed only when Node ran the bundle, with
 * "Cannot find package '@/lib'" and no word of which file asked for what. Now it fails the build,
 * naming the importing file and line.
 */
const projectAlias = {
  name: 'berth-project-alias',
  setup(b) {
    b.onResolve({ filter: /^@\// }, async (args) => {
      const found = await b.resolve(`./${args.path.slice(2)}`, { kind: args.kind, resolveDir: root, importer: args.importer });
      if (found.errors.length) return { errors: [{ text: `Could not resolve "${args.path}" (the project's ./${args.path.slice(2)})` }] };
      return { path: found.path, external: found.external, sideEffects: found.sideEffects, namespace: found.namespace };
    });
  },
};

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
    plugins: [projectAlias, ...(extra.plugins ?? [])],
  });
}
