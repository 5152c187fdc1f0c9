/**
 * BERTH_COMMAND_TRACE against a REAL test host: every command line that goes on the wire is in
 * the trace with the server's name; stdin, scripts and uploaded content never are.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmd, script } from './command';
import { setCommandTraceFile } from './command-trace';
import { closeAll } from './connection';
import { testHost, testTarget } from '@/test-support/test-hosts';
import { SshTransport } from './transport';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-trace-'));
const trace = path.join(dir, 'commands.log');
const SECRET = `trace-secret-${process.pid}-${Date.now()}`;

beforeAll(() => setCommandTraceFile(trace));
afterAll(async () => {
  setCommandTraceFile(null);
  closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the command trace', () => {
  it('records exec, script and upload command lines, one per line with the server name, never stdin or content', async () => {
    const t = new SshTransport(testTarget(testHost('berth-host-1')));
    const file = `/tmp/berth-trace-${process.pid}.txt`;
    await t.exec(cmd('cat'), { stdin: SECRET });
    await t.runScript(script(cmd('echo', 'scripted-step'), cmd('true')));
    await t.upload(`KEY=${SECRET}\n`, file, { mode: 0o600 });
    await t.upload(`KEY=${SECRET}\n`, file, { mode: 0o640, owner: 'root', group: 'root' });
    await t.exec(cmd('rm', '-f', file));

    const lines = fs.readFileSync(trace, 'utf8').trimEnd().split('\n');
    const entries = lines.map((l) => {
      const [server, json] = l.split('\t');
      return { server, command: JSON.parse(json!) as string };
    });
    expect(entries.every((e) => e.server === 'berth-host-1')).toBe(true);
    expect(entries.some((e) => e.command.includes("'cat'"))).toBe(true);
    expect(entries.some((e) => e.command.includes("'sh' '-s'"))).toBe(true);
    expect(entries.some((e) => e.command.includes("'chown' 'root:root'"))).toBe(true);
    expect(entries.some((e) => e.command.includes("'rm' '-f'"))).toBe(true);
    // The script travels over stdin: its steps are not command lines.
    expect(entries.some((e) => e.command.includes('scripted-step'))).toBe(false);
    expect(fs.readFileSync(trace, 'utf8')).not.toContain(SECRET);
    expect(fs.statSync(trace).mode & 0o777).toBe(0o600);
  });
});
