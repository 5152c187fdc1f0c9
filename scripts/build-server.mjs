// Bundles scripts/server.ts (and the lib/ code it boots with) into one ESM file, so the
// panel runs on plain Node without a TypeScript loader in the way of Next's own requires.
import path from 'node:path';
import { bundle, root } from './lib/bundle.mjs';

await bundle(path.join(root, 'scripts/server.ts'), path.join(root, '.next/berth/server.mjs'), { sourcemap: 'linked' });
