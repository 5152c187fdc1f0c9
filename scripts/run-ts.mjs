// Runs a TypeScript entry (a bench, a maintenance script) that imports lib/ code with the
// project's path aliases: esbuild bundles it to a temporary ESM file, then Node runs it.
// Usage: node_modules/.bin/node scripts/run-ts.mjs bench/provision.ts [args…]
// (Every bench runs this way. BERTH_BENCH_LOAD_ONLY=1 makes a bench only load: bench/run-bench.ts.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle, root } from './lib/bundle.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args…]');
  process.exit(2);
}
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-run-'));
const outfile = path.join(outdir, 'entry.mjs');
try {
  await bundle(path.resolve(entry), outfile);
} catch (err) {
  if (!Array.isArray(err?.errors)) throw err;
  // A build failure: esbuild has printed each error with its file and line.
  fs.rmSync(outdir, { recursive: true, force: true });
  console.error(`run-ts: ${entry} does not bundle`);
  process.exit(1);
}
// Let bare imports in the bundle resolve against the project.
fs.symlinkSync(path.join(root, 'node_modules'), path.join(outdir, 'node_modules'));
process.argv = [process.argv[0], entry, ...args];
try {
  await import(pathToFileURL(outfile).href);
} finally {
  process.on('exit', () => fs.rmSync(outdir, { recursive: true, force: true }));
}
