#!/usr/bin/env node
// `npx berth …`: the panel's CLI, over its HTTP API (README, "CLI"). Plain JavaScript with no
// dependencies, so it runs from a fresh clone or a CI job without building anything.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { clientFromEnv } from './cli/client.mjs';
import { COMMANDS } from './cli/commands.mjs';
import { CliError, EXIT } from './cli/exit-codes.mjs';

const USAGE = `usage: berth <command> [options]     (BERTH_URL and BERTH_TOKEN from the environment)

  plan -f FILE                 plan a definition (exit 3 when it has destructive changes)
  apply -f FILE [--yes]        plan and apply it (--yes confirms destructive changes)
  export [APP]                 the fleet's definition, or one app's
  provision SERVER [--retry]   provision a server (--retry resumes at the failed task)
  configure APP                configure an app on its servers
  deploy APP [--ref REF] [--canary]  deploy and follow the live log (--canary: one server first; --no-wait returns at once)
  rollback APP [--to N]        roll back to deploy N, or the one before the live one
  cancel RELEASE               cancel a release (queued: never starts; running: stops, or rolls back after the switch)
  env push APP [-f FILE]       save FILE (default .env) as a new revision and push it
                               (--replace removes keys the file lacks; --no-push only saves)
  env pull APP [-o FILE]       the saved environment as a .env file (stdout by default)
  status                       servers and apps at a glance

  --json                       print the API's answer as JSON

exit codes: 0 ok, 1 failed, 2 usage, 3 destructive plan, 4 panel unreachable, 5 token refused`;

const OPTIONS = {
  file: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  yes: { type: 'boolean', short: 'y' },
  ref: { type: 'string' },
  to: { type: 'string' },
  retry: { type: 'boolean' },
  canary: { type: 'boolean' },
  replace: { type: 'boolean' },
  'no-push': { type: 'boolean' },
  'no-wait': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export async function main(argv, io = { out: process.stdout, err: process.stderr, env: process.env }) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    io.err.write(`berth: ${err.message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const { values: opts, positionals } = parsed;
  if (opts.help || positionals.length === 0) {
    (opts.help ? io.out : io.err).write(`${USAGE}\n`);
    return opts.help ? EXIT.ok : EXIT.usage;
  }
  const two = `${positionals[0]} ${positionals[1] ?? ''}`;
  const name = COMMANDS[two] ? two : positionals[0];
  const command = COMMANDS[name];
  if (!command) {
    io.err.write(`berth: unknown command "${positionals[0]}"\n${USAGE}\n`);
    return EXIT.usage;
  }
  const args = positionals.slice(name.split(' ').length);
  try {
    const client = clientFromEnv(io.env);
    const ctx = { client, opts, args, out: io.out, err: io.err, json: !!opts.json, say: (line) => opts.json || io.out.write(`${line}\n`) };
    const result = await command(ctx);
    if (opts.json && result !== null) io.out.write(`${JSON.stringify(result, null, 2)}\n`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    io.err.write(`berth: ${err.message}\n`);
    return err.code;
  }
}

// Run, not imported (a test imports main): the bin link in node_modules/.bin resolves to this file.
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
