import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPlaywrightReport, readVitestReport, run, withStatus } from './test-run.mjs';

// The closing line of `npm test` is only as honest as these readers: a file that cannot load,
// a beforeAll that throws, or a runner that dies before its report must each count as a failure.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-runner-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs a real vitest over one file in a scratch project and reads its JSON report. */
async function vitestOn(name: string, source: string) {
  const project = fs.mkdtempSync(path.join(dir, 'p-'));
  fs.writeFileSync(path.join(project, name), source);
  fs.writeFileSync(path.join(project, 'vitest.config.mjs'), 'export default { test: { include: ["*.test.ts"] } };\n');
  const report = path.join(project, 'report.json');
  const status = await run('proof', path.resolve('node_modules/.bin/vitest'), [
    'run',
    '--root',
    project,
    '--reporter=json',
    `--outputFile.json=${report}`,
  ]);
  return { status, counts: readVitestReport(report) };
}

describe('the runner counts what went wrong', () => {
  it('a test file that fails to load counts as a failure', async () => {
    const { status, counts } = await vitestOn(
      'broken.test.ts',
      "import './no-such-module';\nimport { it } from 'vitest';\nit('never runs', () => {});\n",
    );
    expect(status).not.toBe(0);
    expect(counts.failed).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('a beforeAll that throws counts as a failure, though its tests were only skipped', async () => {
    const source =
      "import { beforeAll, it } from 'vitest';\nbeforeAll(() => { throw new Error('no bed'); });\nit('a', () => {});\nit('b', () => {});\n";
    const { counts } = await vitestOn('hook.test.ts', source);
    expect(counts.failed).toBeGreaterThanOrEqual(1);
    expect(counts.passed).toBe(0);
  }, 60_000);

  it('a passing file counts its tests and no failure', async () => {
    const { counts } = await vitestOn('fine.test.ts', "import { expect, it } from 'vitest';\nit('a', () => expect(1).toBe(1));\n");
    expect(counts).toEqual({ passed: 1, failed: 0, skipped: 0 });
  }, 60_000);

  it('an unhandled error fails the run even when every test passed (vitest exits 1, its JSON says success)', async () => {
    const source =
      "import { expect, it } from 'vitest';\nit('passes, then throws later', () => { setTimeout(() => { throw new Error('late'); }, 0); expect(1).toBe(1); });\nit('waits', () => new Promise((r) => setTimeout(r, 50)));\n";
    const { status, counts } = await vitestOn('late.test.ts', source);
    expect(status).not.toBe(0);
    expect(withStatus(counts, status).failed).toBeGreaterThanOrEqual(1);
    expect(withStatus({ passed: 3, failed: 0, skipped: 0 }, 0)).toEqual({ passed: 3, failed: 0, skipped: 0 });
  }, 60_000);

  it('a runner that died before writing its report counts as one failure', () => {
    expect(readVitestReport(path.join(dir, 'missing.json'))).toEqual({ passed: 0, failed: 1, skipped: 0 });
    expect(readPlaywrightReport(path.join(dir, 'missing.json'))).toEqual({ passed: 0, failed: 1, skipped: 0 });
  });

  it("Playwright's errors outside tests (a web server that never started) count as failures", () => {
    const file = path.join(dir, 'pw.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ stats: { expected: 0, unexpected: 0, flaky: 0, skipped: 12 }, errors: [{ message: 'webServer timed out' }] }),
    );
    expect(readPlaywrightReport(file)).toEqual({ passed: 0, failed: 1, skipped: 12 });
  });
});
