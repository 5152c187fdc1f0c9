import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';

// The canary test's tools: capture every response the browser gets, and look for a marker in
// bytes, in any form a value containing it can take (raw, JSON or .env escaped, URL-encoded,
// base64 at any alignment).

/** base64 (and base64url) fragments that appear in the encoding of ANY text containing `marker`, whatever its offset. */
function base64Needles(marker: string): string[] {
  const out = new Set<string>();
  const bytes = Buffer.from(marker);
  for (const pad of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(pad, 0x20), bytes]).toString('base64');
    // Groups that mix in the padding before, or whatever follows after, vary: keep the stable middle.
    const stable = encoded.slice(pad ? 4 : 0, 4 * Math.floor((pad + bytes.length) / 3));
    if (stable.length >= 8) {
      out.add(stable);
      out.add(stable.replaceAll('+', '-').replaceAll('/', '_'));
    }
  }
  return [...out];
}

/** The byte strings that betray the marker: the marker itself (raw, JSON, .env, shell and URL forms all keep it) and its base64 forms. */
export function needlesFor(marker: string): Buffer[] {
  return [marker, ...base64Needles(marker)].map((n) => Buffer.from(n));
}

/** The first needle found in `data`, or null. */
export function findNeedle(data: Buffer | string, needles: Buffer[]): string | null {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  for (const n of needles) if (buf.includes(n)) return n.toString();
  return null;
}

/** Every regular file under `dir` (symlinks are not followed: a link is not a copy). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Files under `dirs` (minus `except`) that contain a needle, with what was found. */
export function scanFiles(dirs: string[], needles: Buffer[], except: string[] = []): string[] {
  const hits: string[] = [];
  for (const dir of dirs) {
    for (const file of filesUnder(dir)) {
      if (except.includes(file)) continue;
      let data: Buffer;
      try {
        data = fs.readFileSync(file);
      } catch {
        continue; // a socket, or a file removed meanwhile
      }
      const found = findNeedle(data, needles);
      if (found) hits.push(`${file}: ${found}`);
    }
  }
  return hits;
}

export type Captured = { url: string; method: string; status: number; type: string; actionId: string | null; body: Buffer };

const EVENTS = /^\/api\/releases\/[^/]+\/events$/;

/**
 * Records the body of every response the panel sends a browser context (documents, RSC, server
 * actions, API). Chromium keeps no body for a streamed fetch (Next reads RSC as a stream), so
 * each request is fetched here and fulfilled with exactly the bytes recorded. Build assets are
 * left alone (they are files of the build), and so is the release page's EventSource stream,
 * whose messages are recorded through the DevTools protocol instead (watchEvents).
 */
export class ResponseLog {
  readonly captured: Captured[] = [];
  readonly unreadable: string[] = [];

  async watch(context: BrowserContext, origin: string): Promise<void> {
    await context.route('**/*', async (route) => {
      const request = route.request();
      const url = new URL(request.url());
      if (url.origin !== origin || url.pathname.startsWith('/_next/static/') || EVENTS.test(url.pathname)) return route.fallback();
      try {
        const response = await route.fetch({ maxRedirects: 0, timeout: 0 });
        const body = await response.body();
        const type = response.headers()['content-type'] ?? '';
        this.captured.push({
          url: request.url(),
          method: request.method(),
          status: response.status(),
          type,
          actionId: request.headers()['next-action'] ?? null,
          body,
        });
        // The browser may have given up on it meanwhile (a prefetch, a page left): what came is recorded anyway.
        await route.fulfill({ response, body }).catch(() => undefined);
      } catch (err) {
        const message = (err as Error).message.split('\n')[0]!;
        // The test ended (its context closed; Playwright says "disposed", "has been closed" or "Test ended")
        // while a prefetch was in flight: no browser received it.
        if (!/disposed|has been closed|Test ended/i.test(message)) this.unreadable.push(`${request.method()} ${request.url()}: ${message}`);
        await route.abort().catch(() => undefined);
      }
    });
  }

  /** Server-sent events of one page, through CDP (Chromium): one record per message. */
  async watchEvents(page: Page): Promise<void> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.eventSourceMessageReceived', (e) => {
      this.captured.push({
        url: `event-source ${e.requestId}`,
        method: 'GET',
        status: 200,
        type: 'text/event-stream',
        actionId: null,
        body: Buffer.from(`${e.eventName}\n${e.data}`),
      });
    });
  }
}

/** `pg_dump` of the panel's database (the Postgres leg), as text. */
export function pgDump(url: string): Buffer {
  return execFileSync('pg_dump', ['--no-owner', url], { maxBuffer: 512 * 1024 * 1024 });
}

/** A user's uid and a group's gid in a test host's own /etc (each host has its own copy). */
export function hostIds(etcDir: string, name: string): { uid: number; gid: number } {
  const id = (file: string) => {
    const line = fs
      .readFileSync(path.join(etcDir, file), 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    if (!line) throw new Error(`no ${name} in ${etcDir}/${file}`);
    return Number(line.split(':')[2]);
  };
  return { uid: id('passwd'), gid: id('group') };
}
