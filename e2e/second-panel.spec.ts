import { spawn } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { dataDir, usesPostgres } from './fixtures';

test('a second panel on the same data directory refuses to start, and the first keeps serving', async ({ request }) => {
  test.skip(usesPostgres, 'The data-directory lock guards the embedded database; on Postgres several panels may share one database.');
  const second = spawn('node', ['scripts/start.mjs'], {
    env: { ...process.env, BERTH_DATA_DIR: dataDir, PORT: '3299', BERTH_SKIP_BUILD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  second.stdout.on('data', (d) => (output += d));
  second.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
  expect(code).toBe(1);
  expect(output).toMatch(/cannot start: Another Berth process \(pid \d+\) is using the data directory/);
  expect((await request.get('/api/health')).status()).toBe(200);
});
