// `npm start`: build when the sources are newer than the last build, then run the server in
// this same process (so its pid is the panel's pid).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const SOURCES = ['app', 'components', 'lib', 'db', 'drizzle', 'scripts', 'next.config.ts', 'package.json', 'tsconfig.json'];
const SERVER = path.join(root, '.next/berth/server.mjs');

function newestMtime(p) {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

const built = fs.statSync(SERVER, { throwIfNoEntry: false });
const hasNextBuild = fs.existsSync(path.join(root, '.next/BUILD_ID'));
const stale = !built || !hasNextBuild || SOURCES.some((s) => newestMtime(path.join(root, s)) > built.mtimeMs);
if (stale && process.env.BERTH_SKIP_BUILD !== '1') {
  console.log('berth: building the panel (first start or changed sources)…');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

process.chdir(root);
await import(SERVER);
