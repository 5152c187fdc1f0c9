// bench/releases.ts: steady HTTP load with wrk, cut into one window per release so that every
// failed request is attributed to the release it happened during, and to any nginx or PHP-FPM
// reload on the host at that time (other sessions' tests share the test bed and reload both).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Prints wrk's totals and its latency quantiles from p90 to p100 in 0.1 % steps, so that windows
 * can be merged into one p99. (This wrk's Lua cannot index the raw histogram: latency[i] returns i.)
 */
const DONE_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d connect=%d read=%d write=%d timeout=%d status=%d\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status))
  local qs = {}
  for i = 900, 1000 do qs[#qs + 1] = latency:percentile(i / 10) end
  io.write("BENCH-Q " .. table.concat(qs, ",") .. "\\n")
end
`;
const Q_FROM = 0.9;
const Q_STEP = 0.001;

export type Window = {
  host: string;
  label: string;
  start: number;
  end: number;
  requests: number;
  non2xx: number;
  socket: { connect: number; read: number; write: number; timeout: number };
  /** Latency in µs at p90, p90.1 … p100. */
  quantiles: number[];
  /** Set when wrk printed no report: how it ended. */
  lost?: string;
};

const OVERLAP_MS = 150;

/**
 * wrk -t1 -c8 at one host, with a hard cap on each process's duration. rotate() starts the next
 * wrk, lets it connect, then stops the previous one (SIGINT: wrk reports and exits), so the load
 * never pauses and each window covers one release.
 */
export function loadLane(host: string, address: string, hostHeader: string, capSeconds: number, dir: string) {
  const script = path.join(dir, 'wrk-done.lua');
  fs.writeFileSync(script, DONE_LUA);
  type Running = { child: ChildProcess; out: string; exited: Promise<string>; label: string; start: number };
  const launch = (label: string): Running => {
    const child = spawn(
      'wrk',
      ['-t1', '-c8', `-d${capSeconds}s`, '--timeout', '5s', '-s', script, '-H', `Host: ${hostHeader}`, `http://${address}/`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const r: Running = {
      child,
      out: '',
      exited: new Promise((resolve) => child.on('close', (code, sig) => resolve(sig ? `signal ${sig}` : `exit code ${code}`))),
      label,
      start: Date.now(),
    };
    child.stdout!.on('data', (d) => (r.out += d));
    child.stderr!.on('data', (d) => (r.out += d));
    return r;
  };
  // On "close", not "exit": the report may still be in the pipe when the process has exited.
  const finish = async (r: Running): Promise<Window> => {
    if (r.child.exitCode === null) r.child.kill('SIGINT');
    const killer = setTimeout(() => r.child.exitCode === null && r.child.kill('SIGKILL'), 10_000);
    const how = await r.exited;
    clearTimeout(killer);
    return parseWindow(host, r.label, r.start, Date.now(), r.out, how);
  };
  let current: Running | undefined;
  const windows: Window[] = [];
  return {
    windows,
    start(label: string) {
      current = launch(label);
    },
    async rotate(label: string) {
      const previous = current!;
      current = launch(label);
      await new Promise((r) => setTimeout(r, OVERLAP_MS));
      windows.push(await finish(previous));
    },
    async stop() {
      if (current) windows.push(await finish(current));
      current = undefined;
    },
  };
}

/** A wrk that ended without its report (killed from outside?) is a lost window: counted, not fatal. */
function parseWindow(host: string, label: string, start: number, end: number, out: string, how: string): Window {
  const totals = out.match(/^BENCH requests=(\d+) duration_us=\d+ connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+) status=(\d+)$/m);
  const q = out.match(/^BENCH-Q (.*)$/m);
  if (!totals || !q) {
    console.error(`wrk (${host}, ${label}) ended with ${how} and no report: ${out.trim().slice(-300) || 'no output'}`);
    return {
      host,
      label,
      start,
      end,
      requests: 0,
      socket: { connect: 0, read: 0, write: 0, timeout: 0 },
      non2xx: 0,
      quantiles: [],
      lost: how,
    };
  }
  const n = totals.slice(1).map(Number);
  const quantiles = n[0]! > 0 ? q[1]!.split(',').map(Number) : [];
  return {
    host,
    label,
    start,
    end,
    requests: n[0]!,
    socket: { connect: n[1]!, read: n[2]!, write: n[3]!, timeout: n[4]! },
    non2xx: n[5]!,
    quantiles,
  };
}

export const failedIn = (w: Window) => w.non2xx + w.socket.connect + w.socket.read + w.socket.write + w.socket.timeout;

/**
 * A percentile (≥ p90, in ms) of all windows together: the smallest latency x at which the
 * windows' CDFs, weighted by their request counts, reach q. Each window's CDF at x is the highest
 * of its p90…p100 quantiles not above x (0 below its p90), so the result errs high, by < 0.1 %.
 */
export function percentileMs(windows: Window[], q: number): number {
  const ws = windows.filter((w) => w.quantiles.length > 0);
  const total = ws.reduce((sum, w) => sum + w.requests, 0);
  const cdf = (w: Window, x: number) => {
    let i = -1;
    while (i + 1 < w.quantiles.length && w.quantiles[i + 1]! <= x) i++;
    return i < 0 ? 0 : Q_FROM + i * Q_STEP;
  };
  const candidates = [...new Set(ws.flatMap((w) => w.quantiles))].sort((a, b) => a - b);
  for (const x of candidates) if (ws.reduce((sum, w) => sum + w.requests * cdf(w, x), 0) >= q * total - 1e-9) return x / 1000;
  return NaN;
}

export type Reload = { host: string; service: 'nginx' | 'php-fpm'; at: number };

/**
 * Records nginx and PHP-FPM reloads on the test hosts by sampling /proc (every host process is
 * visible from this machine; its mount namespace says which host). nginx: a new worker pid.
 * PHP-FPM: a new master pid (it re-daemonizes on USR2). This bench reloads nothing under load;
 * its own USR2 at clean-up comes after the load.
 */
export function watchReloads(testbedDir: string, names: string[], everyMs = 100) {
  const ns = new Map(names.map((n) => [fs.readFileSync(path.join(testbedDir, 'hosts', n, 'init.mntns'), 'utf8').trim(), n]));
  const seen = new Map(names.map((n) => [n, { workers: new Set<number>(), master: 0 }]));
  const events: Reload[] = [];
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const parentIsFpm = (pid: string) => {
    const stat = read(`/proc/${pid}/stat`);
    const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
    return read(`/proc/${ppid}/comm`).startsWith('php-fpm');
  };
  const sample = (record: boolean) => {
    const now = new Map(names.map((n) => [n, { workers: new Set<number>(), master: 0 }]));
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const comm = read(`/proc/${entry}/comm`).trim();
      if (comm !== 'nginx' && !comm.startsWith('php-fpm')) continue;
      let host: string | undefined;
      try {
        host = ns.get(fs.readlinkSync(`/proc/${entry}/ns/mnt`));
      } catch {
        continue;
      }
      if (!host) continue;
      const cmdline = read(`/proc/${entry}/cmdline`);
      if (comm === 'nginx' && cmdline.includes('worker process')) now.get(host)!.workers.add(Number(entry));
      // A freshly forked pool worker still shows the master's title: the master is the one whose parent is not php-fpm.
      if (comm.startsWith('php-fpm') && cmdline.includes('master process') && !parentIsFpm(entry)) now.get(host)!.master = Number(entry);
    }
    const at = Date.now();
    for (const [host, s] of now) {
      const before = seen.get(host)!;
      if (record && [...s.workers].some((pid) => !before.workers.has(pid))) events.push({ host, service: 'nginx', at });
      if (record && s.master && before.master && s.master !== before.master) events.push({ host, service: 'php-fpm', at });
      before.workers = s.workers;
      if (s.master) before.master = s.master;
    }
  };
  sample(false);
  const timer = setInterval(() => sample(true), everyMs);
  return {
    events,
    stop() {
      clearInterval(timer);
      sample(true);
    },
  };
}

/** Reloads on the window's host from 1 s before it to 1 s after it (old workers wind down). */
export const reloadsDuring = (w: Window, events: Reload[]) =>
  events.filter((e) => e.host === w.host && e.at >= w.start - 1000 && e.at <= w.end + 1000);
