import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { defineConfig } from '@playwright/test';

const port = Number(process.env.BERTH_E2E_PORT ?? 3210);
export const baseURL = `http://127.0.0.1:${port}`;
// The runner (scripts/test.mjs) picks a fresh directory per leg; the panel under test owns it.
const dataDir = process.env.BERTH_E2E_DATA_DIR ?? path.join(os.tmpdir(), 'berth-e2e');
// What the canary test (e2e/env.spec.ts) scans besides responses and the database: the panel's
// own output and every command line it sent to a server. e2e/fixtures.ts derives the same paths.
const panelLog = `${dataDir}.panel.log`;
const commandTrace = `${dataDir}.commands.log`;
// The runner starts Pebble (scripts/testbed/pebble.sh) before Playwright; the panel then uses it as its ACME CA.
const pebbleFile = path.join(process.env.BERTH_TESTBED_DIR || '/var/lib/berth-testbed', 'pebble', 'pebble.json');
const pebble = fs.existsSync(pebbleFile)
  ? (JSON.parse(fs.readFileSync(pebbleFile, 'utf8')) as { directory: string; listenerCa: string })
  : null;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // One panel, one shared state (setup creates the owner the rest use): run in order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 30_000,
  reporter: process.env.BERTH_E2E_REPORT ? [['list'], ['json', { outputFile: process.env.BERTH_E2E_REPORT }]] : 'list',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'setup', testMatch: /setup\.spec\.ts/ },
    {
      name: 'panel',
      testIgnore:
        /(setup|apps|backups|cli|dashboard|definitions|delete|env|layout|private-repo|releases|tabs|webhook|zz-rate-limit)\.spec\.ts/,
      dependencies: ['setup'],
    },
    // Apps need the servers that the servers spec provisions; releases need the apps (files run in name order).
    {
      name: 'apps',
      testMatch: /(apps|backups|dashboard|definitions|delete|env|private-repo|releases|tabs|webhook)\.spec\.ts/,
      dependencies: ['panel'],
    },
    // The CLI drives the fleet the apps project built (ticker deployed, servers ready).
    { name: 'cli', testMatch: /cli\.spec\.ts/, dependencies: ['apps'] },
    // Every page at 1400 and 390 px (screenshots, no horizontal scroll), once the others filled the panel.
    { name: 'layout', testMatch: /layout\.spec\.ts/, dependencies: ['cli'] },
    // Last: it locks an account, and every failure also counts against 127.0.0.1.
    { name: 'last', testMatch: /zz-rate-limit\.spec\.ts/, dependencies: ['layout'] },
    // The Postgres leg's smoke run (scripts/test.mjs): setup, then sign-in and sessions.
    { name: 'smoke', testMatch: /auth\.spec\.ts/, dependencies: ['setup'] },
  ],
  webServer: {
    // tee: the output still shows here, and the canary test can read it afterwards.
    command: `rm -rf '${dataDir}' '${panelLog}' '${commandTrace}' && node scripts/start.mjs 2>&1 | tee '${panelLog}'`,
    url: `${baseURL}/api/health`,
    env: {
      BERTH_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      BERTH_COMMAND_TRACE: commandTrace,
      ...(pebble && { BERTH_ACME_DIRECTORY: pebble.directory, BERTH_ACME_CA_BUNDLE: pebble.listenerCa }),
    },
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'pipe',
  },
});
