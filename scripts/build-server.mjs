// Bundles scripts/server.ts (and the lib/ code it boots with) into one ESM file, so the
// panel runs on plain Node without a TypeScript loader in the way of Next's own requires.
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');

await build({
  entryPoints: [path.join(root, 'scripts/server.ts')],
  outfile: path.join(root, '.next/berth/server.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  tsconfig: path.join(root, 'tsconfig.json'),
  sourcemap: 'linked',
  logLevel: 'warning',
});
