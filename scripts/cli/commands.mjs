import fs from 'node:fs';
import { CliError, EXIT } from './exit-codes.mjs';
import { followRelease } from './follow.mjs';
import { printPlan, printProblems } from './plan-output.mjs';

const enc = encodeURIComponent;

function readFile(file) {
  if (!file) throw new CliError('Name the file with -f FILE', EXIT.usage);
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${err.code ?? err.message}`, EXIT.usage);
  }
}

/** Plans the file (read once: it may be stdin); problems (with their lines) end the command with exit code 1. */
async function planFile(ctx, file) {
  const text = readFile(file);
  const plan = await ctx.client.request('POST', '/definitions/plan', { text });
  if (plan.problems.length) {
    printProblems(file, plan.problems, ctx.err);
    throw new CliError(`${file} has ${plan.problems.length} problem(s); nothing was applied.`);
  }
  if (!ctx.json) printPlan(plan, ctx.out);
  return { ...plan, text };
}

function need(value, what) {
  if (!value) throw new CliError(`Missing ${what}`, EXIT.usage);
  return value;
}

async function afterRelease(ctx, release) {
  const what = release.kind === 'deploy' ? `deploy #${release.number} of ${release.ref}` : `rollback to ${release.ref}`;
  ctx.say(`${what} queued (${release.id})`);
  if (ctx.opts['no-wait']) return release;
  await followRelease(ctx.client, release.id, ctx.json ? { write() {} } : ctx.out);
  ctx.say(`${release.kind} succeeded`);
  return release;
}

export const COMMANDS = {
  async plan(ctx) {
    const plan = await planFile(ctx, ctx.opts.file);
    if (plan.refused) throw new CliError('The plan cannot be applied as it stands (see ✗ above).');
    if (plan.destructive) throw new CliError('The plan has destructive changes (marked !).', EXIT.destructive);
    const { text: _text, ...answer } = plan;
    return answer;
  },

  async apply(ctx) {
    const plan = await planFile(ctx, ctx.opts.file);
    if (plan.refused) throw new CliError('The plan cannot be applied as it stands (see ✗ above); nothing was applied.');
    if (plan.destructive && !ctx.opts.yes)
      throw new CliError(
        'The plan has destructive changes (marked !): nothing was applied. Review them, then run again with --yes.',
        EXIT.destructive,
      );
    const applied = await ctx.client.request('POST', '/definitions/apply', {
      text: plan.text,
      hash: plan.hash,
      confirmDestructive: !!ctx.opts.yes,
    });
    ctx.say(`Applied ${applied.applied} change(s).`);
    for (const q of applied.queued) ctx.say(`  configure queued on ${q.serverName} for ${q.apps} app(s)`);
    return applied;
  },

  async export(ctx) {
    const [app] = ctx.args;
    const { text } = await ctx.client.request('GET', app ? `/apps/${enc(app)}/definition` : '/definitions/export');
    ctx.out.write(text);
    return null;
  },

  async provision(ctx) {
    const server = need(ctx.args[0], 'SERVER');
    const run = await ctx.client.request('POST', `/servers/${enc(server)}/provision`, { retry: !!ctx.opts.retry });
    ctx.say(`Provisioning ${run.server} queued (run ${run.runId}).`);
    return run;
  },

  async configure(ctx) {
    const app = need(ctx.args[0], 'APP');
    const outcome = await ctx.client.request('POST', `/apps/${enc(app)}/configure`);
    ctx.say(`Configure queued on ${outcome.runs.length} server(s).`);
    if (outcome.busy.length) ctx.say(`Busy, not queued: ${outcome.busy.join(', ')}`);
    return outcome;
  },

  async deploy(ctx) {
    const app = need(ctx.args[0], 'APP');
    return afterRelease(
      ctx,
      await ctx.client.request('POST', `/apps/${enc(app)}/deploy`, { ref: ctx.opts.ref ?? '', canary: !!ctx.opts.canary }),
    );
  },

  async rollback(ctx) {
    const app = need(ctx.args[0], 'APP');
    const to = ctx.opts.to === undefined ? undefined : Number(ctx.opts.to);
    if (to !== undefined && !(Number.isInteger(to) && to > 0)) throw new CliError('--to takes a deploy number, e.g. --to 3', EXIT.usage);
    const release = await ctx.client.request('POST', `/apps/${enc(app)}/rollback`, { to });
    // --to may name a deploy marked bad: allowed, and said plainly.
    if (release.warning) ctx.say(`warning: ${release.warning}`);
    return afterRelease(ctx, release);
  },

  async cancel(ctx) {
    const id = need(ctx.args[0], 'RELEASE (its id)');
    const outcome = await ctx.client.request('POST', `/releases/${enc(id)}/cancel`);
    ctx.say(
      outcome?.status === 'cancelling'
        ? `Release ${id} is stopping: before the switch it stops, after it rolls back (berth status shows how it ended).`
        : `Release ${id} cancelled.`,
    );
    return outcome;
  },

  async 'env push'(ctx) {
    const app = need(ctx.args[0], 'APP');
    const file = ctx.opts.file ?? '.env';
    const outcome = await ctx.client.request('PUT', `/apps/${enc(app)}/env`, {
      text: readFile(file),
      replace: !!ctx.opts.replace,
      push: !ctx.opts['no-push'],
    });
    const { added, changed, removed } = outcome.changes;
    ctx.say(`Revision ${outcome.revision}: ${added.length} added, ${changed.length} changed, ${removed.length} removed.`);
    for (const [sign, keys] of [
      ['+', added],
      ['~', changed],
      ['-', removed],
    ])
      for (const k of keys) ctx.say(`  ${sign} ${k}`);
    if (outcome.notPushed) throw new CliError(`Saved, but not pushed to the servers: ${outcome.notPushed}`);
    if (outcome.pushed)
      ctx.say(
        `Pushing to ${outcome.pushed.runs.length} server(s).${outcome.pushed.busy.length ? ` Busy: ${outcome.pushed.busy.join(', ')}` : ''}`,
      );
    return outcome;
  },

  async 'env pull'(ctx) {
    const app = need(ctx.args[0], 'APP');
    const { revision, text } = await ctx.client.request('GET', `/apps/${enc(app)}/env`);
    if (!ctx.opts.output) ctx.out.write(text);
    else {
      // 0600 before a byte lands (an existing file keeps its mode on write): it holds every secret of the app.
      const fd = fs.openSync(ctx.opts.output, 'w', 0o600);
      try {
        fs.fchmodSync(fd, 0o600);
        fs.writeFileSync(fd, text);
      } finally {
        fs.closeSync(fd);
      }
      ctx.say(`Wrote revision ${revision} to ${ctx.opts.output}.`);
    }
    return null;
  },

  async status(ctx) {
    const [servers, apps] = await Promise.all([ctx.client.request('GET', '/servers'), ctx.client.request('GET', '/apps')]);
    ctx.say('SERVERS');
    for (const s of servers) ctx.say(`  ${s.name.padEnd(20)} ${s.state.padEnd(16)} ${s.host}${s.lastError ? `  (${s.lastError})` : ''}`);
    ctx.say('APPS');
    for (const a of apps) {
      const live = a.live ? `#${a.live.number} ${a.live.sha?.slice(0, 8) ?? ''}` : 'not deployed';
      ctx.say(`  ${a.slug.padEnd(20)} ${a.kind.padEnd(8)} ${live.padEnd(18)} ${a.servers.map((s) => s.name).join(', ')}`);
    }
    return { servers, apps };
  },
};
