import { CliError, EXIT } from './exit-codes.mjs';

/** Splits a text/event-stream body into { event, data } items. */
export async function* sseEvents(body) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut = buffer.indexOf('\n\n');
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf('\n\n');
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) yield { event, data: JSON.parse(data.join('\n')) };
    }
  }
}

/** Prints a release's tasks as they change, and its logs as they grow, each line named by its server. */
function printer(out) {
  const tasks = new Map(); // id → { name, server }
  const servers = new Map(); // run id → server name
  const line = (server, text) => out.write(`${server.padEnd(14)} ${text}\n`);
  const log = (task, text) => {
    for (const l of text.replace(/\n$/, '').split('\n')) line(task.server, `  │ ${l}`);
  };
  const task = (change) => {
    const known = tasks.get(change.id) ?? { name: change.name, server: servers.get(change.runId) ?? '?' };
    tasks.set(change.id, known);
    if (change.status && change.status !== 'pending')
      line(known.server, `${known.name}: ${change.status}${change.summary ? ` (${change.summary})` : ''}`);
    if (change.log) log(known, change.log);
    if (change.append) log(known, change.append);
  };
  return (item) => {
    if (item.event === 'snapshot') {
      const { release, runs } = item.data.state;
      out.write(`release ${release.kind} #${release.number ?? '-'} ${release.ref}: ${release.status}\n`);
      for (const run of runs) {
        servers.set(run.id, run.serverName);
        for (const t of run.tasks) task(t);
      }
    } else if (item.event === 'run') servers.set(item.data.run.id, item.data.run.serverName);
    else if (item.event === 'task') task(item.data.task);
    else if (item.event === 'release')
      out.write(`release: ${item.data.release.status}${item.data.release.error ? ` (${item.data.release.error})` : ''}\n`);
  };
}

const FINISHED_OK = 'succeeded';
const MAX_RECONNECTS = 5;

/**
 * Follows a release to its end over the event stream, reconnecting (a fresh snapshot each time)
 * if the connection drops. Resolves with the final status; a release that did not succeed is
 * a CliError with exit code 1.
 */
export async function followRelease(client, releaseId, out = process.stdout) {
  const print = printer(out);
  for (let attempt = 0; attempt <= MAX_RECONNECTS; attempt++) {
    const response = await client.fetch(`/releases/${releaseId}/events`, { headers: { Accept: 'text/event-stream' } });
    if (!response.ok) return finalStatus(client, releaseId);
    let finished = null;
    try {
      for await (const item of sseEvents(response.body)) {
        if (item.event !== 'end') {
          print(item);
          continue;
        }
        if (item.data.reason === 'finished') finished = item.data.status;
        break; // timeout or signed-out: reconnect (a revoked token then gets its 401)
      }
    } catch {
      // The connection dropped mid-stream (or a chunk was cut): reconnect, and a fresh snapshot follows.
    }
    if (finished) return settle(client, releaseId, finished);
  }
  return finalStatus(client, releaseId);
}

async function finalStatus(client, releaseId) {
  const state = await client.request('GET', `/releases/${releaseId}`);
  return settle(client, releaseId, state.release.status, state.release.error);
}

async function settle(client, releaseId, status, error) {
  if (status === FINISHED_OK) return status;
  if (status === 'queued' || status === 'running')
    throw new CliError(`Stopped following release ${releaseId}: it is still ${status}.`, EXIT.failed);
  const detail = error ?? (await client.request('GET', `/releases/${releaseId}`)).release.error;
  throw new CliError(`The release ${status}${detail ? `: ${detail}` : ''}`, EXIT.failed);
}
