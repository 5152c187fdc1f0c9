/**
 * Berth's process: boot (config, keys, data-dir lock, migrations, setup token) and only then
 * serve Next.js. Start-up problems end the process with a message instead of a panel that
 * answers 500 to everything.
 */
import http from 'node:http';
import next from 'next';
import { boot, type Booted } from '../lib/boot/boot';
import { CLIENT_IP_HEADER } from '../lib/auth/client-ip-header';
import { applySecurityHeaders } from '../lib/http/security-headers';

const dev = process.argv.includes('--dev');
// scripts/start.mjs runs us from the project root (the bundle itself lives in .next/berth).
const root = process.cwd();

function clientAddress(req: http.IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  // The rightmost entry is the one our own proxy appended; anything left of it came from the client.
  if (trustProxy && typeof forwarded === 'string' && forwarded.trim()) return forwarded.split(',').at(-1)!.trim();
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

async function main(): Promise<void> {
  const started = performance.now();
  let booted: Booted;
  try {
    booted = await boot(process.env, { worker: true });
  } catch (err) {
    console.error(`berth: cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const { env } = booted;
  for (const warning of booted.warnings) console.warn(`berth: warning: ${warning}`);

  const app = next({ dev, dir: root, hostname: env.host, port: env.port });
  const handle = app.getRequestHandler();
  try {
    await app.prepare();
  } catch (err) {
    await booted.shutdown();
    throw err;
  }

  const server = http.createServer((req, res) => {
    req.headers[CLIENT_IP_HEADER] = clientAddress(req, env.trustProxy);
    // Defence in depth against middleware-bypass tricks (CVE-2025-29927); Berth's checks live in actions anyway.
    delete req.headers['x-middleware-subrequest'];
    // CSP (with this request's nonce, which Next reads back from the request), framing, sniffing, HSTS.
    applySecurityHeaders(req, res, { dev, trustProxy: env.trustProxy });
    void handle(req, res);
  });
  server.on('error', async (err) => {
    console.error(`berth: cannot listen on ${env.host}:${env.port}: ${err.message}`);
    await booted.shutdown();
    process.exit(1);
  });
  server.listen(env.port, env.host, () => {
    const ms = Math.round(performance.now() - started);
    console.log(`berth: ready on ${env.publicUrl} in ${ms} ms (${env.databaseUrl ? 'postgres' : 'pglite'})`);
    if (booted.setupUrl) {
      console.log(`\n  No owner yet. Open this one-time link to create the owner account:\n\n    ${booted.setupUrl}\n`);
    }
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`berth: ${signal}, shutting down`);
    server.close();
    server.closeAllConnections();
    await booted.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('berth: cannot start:', err);
  process.exit(1);
});
