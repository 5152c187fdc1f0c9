/** Shared set-up for the monitor tests (real databases, real servers; no fakes). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '@/db';
import { insertMonitor } from '@/db/queries/monitors';
import { notificationChannels, notifications, type NewMonitor } from '@/db/schema';
import { seal, type KeyRing } from '@/lib/crypto';
import { channelConfigAad } from '@/db/sealed-aad';

/** A webhook channel subscribed to monitor events, its config sealed as the real ones are. */
export async function subscribeChannel(db: Db, ring: KeyRing): Promise<string> {
  const id = crypto.randomUUID();
  const configSealed = seal(ring, JSON.stringify({ url: 'http://127.0.0.1:9/sink' }), channelConfigAad(id));
  await db.insert(notificationChannels).values({ id, name: 'sink', kind: 'webhook', configSealed, events: ['monitor.down', 'monitor.up'] });
  return id;
}

export async function outbox(db: Db) {
  const rows = await db.select().from(notifications);
  return rows.map((r) => ({
    type: r.event.type,
    monitorId: r.event.monitorId,
    url: r.event.url,
    title: r.event.title,
    text: r.event.text,
    status: r.status,
  }));
}

export function httpMonitor(url: string, over: Partial<NewMonitor> = {}): NewMonitor {
  return { name: 'shop', kind: 'http', url, intervalS: 60, timeoutMs: 1000, ...over };
}

export const addMonitor = (db: Db, m: NewMonitor) => insertMonitor(db, m);

/** A local target whose answer the test flips between up and down. */
export async function flippingServer(): Promise<{ url: string; setStatus(s: number): void; hits(): number; close(): Promise<void> }> {
  let status = 200;
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(status).end(status === 200 ? 'fine' : 'broken');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`,
    setStatus: (s) => (status = s),
    hits: () => hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
