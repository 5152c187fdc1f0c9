import type { AppConfig } from '@/lib/model/app-config';
import { cronScheduleProblem } from '@/lib/model/cron-schedule';
import { formatCommandLine as quote, parseCommandLine } from './command-line';

/**
 * The one-per-line text areas of the app settings form. Parsing splits the text (commands as a
 * shell would split words, see command-line.ts); the config schema then checks every value.
 */
export type LineProblem = { line: number; message: string };

const numbered = (text: string) =>
  text
    .split('\n')
    .map((raw, i) => ({ line: i + 1, text: raw.trim() }))
    .filter((l) => l.text && !l.text.startsWith('#'));

/** `<minute> <hour> <day> <month> <weekday> <command…>` */
export function parseCronLines(text: string) {
  const entries: { schedule: string; argv: string[] }[] = [];
  const lines: number[] = [];
  const problems: LineProblem[] = [];
  for (const { line, text: t } of numbered(text)) {
    // The schedule's five fields split on spaces (a * there is cron's, not a glob); the rest is the command.
    const fields = t.match(/^(\S+\s+){5}/);
    const command = fields ? parseCommandLine(t.slice(fields[0].length)) : null;
    // `@daily cmd` has one schedule word, not five: say why macros are refused, not that fields are missing.
    if (t.startsWith('@')) problems.push({ line, message: cronScheduleProblem(t.split(/\s/)[0]!)! });
    else if (!fields || !command) problems.push({ line, message: 'write five schedule fields, then the command' });
    else if ('error' in command) problems.push({ line, message: command.error });
    else {
      lines.push(line);
      entries.push({ schedule: fields[0].trim().split(/\s+/).join(' '), argv: command.argv });
    }
  }
  return { entries, lines, problems };
}

/** `<name> <processes> [@server,server] [stopwait=<seconds>] <command…>` */
export function parseWorkerLines(text: string, serverIdByName: Map<string, string>) {
  const workers: { name: string; processes: string; stopWaitSeconds?: string; serverIds: string[]; argv: string[] }[] = [];
  const lines: number[] = [];
  const problems: LineProblem[] = [];
  for (const { line, text: t } of numbered(text)) {
    const parsed = parseCommandLine(t);
    if ('error' in parsed) {
      problems.push({ line, message: parsed.error });
      continue;
    }
    const [name = '', processes = '', ...rest] = parsed.argv;
    const serverIds: string[] = [];
    let stopWaitSeconds: string | undefined;
    while (rest[0]?.startsWith('@') || rest[0]?.startsWith('stopwait=')) {
      const option = rest.shift()!;
      if (option.startsWith('stopwait=')) stopWaitSeconds = option.slice('stopwait='.length);
      for (const serverName of option.startsWith('@') ? option.slice(1).split(',').filter(Boolean) : []) {
        const id = serverIdByName.get(serverName);
        if (id) serverIds.push(id);
        else problems.push({ line, message: `no server named ${serverName} runs this app` });
      }
    }
    if (!/^\d+$/.test(processes) || rest.length === 0)
      problems.push({ line, message: 'write a name, a process count, then the command (e.g. default 2 php artisan queue:work)' });
    else {
      lines.push(line);
      workers.push({ name, processes, stopWaitSeconds, serverIds, argv: rest });
    }
  }
  return { workers, lines, problems };
}

/** The stored values back as text-area lines (the inverse of the parsers above). */
export const cronText = (cron: { schedule: string; argv: string[] }[]) => cron.map((c) => `${c.schedule} ${quote(c.argv)}`).join('\n');

export function workersText(
  workers: { name: string; processes: number; stopWaitSeconds: number; serverIds: string[]; argv: string[] }[],
  serverNameById: Map<string, string>,
) {
  return workers
    .map((w) => {
      const servers = w.serverIds.length ? [`@${w.serverIds.map((id) => serverNameById.get(id) ?? id).join(',')}`] : [];
      return [w.name, String(w.processes), ...servers, `stopwait=${w.stopWaitSeconds}`, quote(w.argv)].join(' ');
    })
    .join('\n');
}

/** One command per line (build and release commands). */
export function parseCommandLines(text: string) {
  const commands: string[][] = [];
  const lines: number[] = [];
  const problems: LineProblem[] = [];
  for (const { line, text: t } of numbered(text)) {
    const parsed = parseCommandLine(t);
    if ('error' in parsed) problems.push({ line, message: parsed.error });
    else {
      lines.push(line);
      commands.push(parsed.argv);
    }
  }
  return { commands, lines, problems };
}

/** `[@server] [migration] command…`: a hook on one server (e.g. migrations) or on all. */
export function parseHookLines(text: string, serverIdByName: Map<string, string>) {
  const hooks: { argv: string[]; serverId?: string; migration: boolean }[] = [];
  const parsed = parseCommandLines(text);
  const problems = [...parsed.problems];
  const lines: number[] = [];
  for (const [i, argv] of parsed.commands.entries()) {
    const line = parsed.lines[i]!;
    const rest = [...argv];
    let serverId: string | undefined;
    if (rest[0]?.startsWith('@')) {
      const name = rest.shift()!.slice(1);
      serverId = serverIdByName.get(name);
      if (!serverId) {
        problems.push({ line, message: `no server named ${name} runs this app` });
        continue;
      }
    }
    const migration = rest[0] === 'migration';
    if (migration) rest.shift();
    if (rest.length === 0) {
      problems.push({ line, message: 'write the command after the options' });
      continue;
    }
    lines.push(line);
    hooks.push({ argv: rest, serverId, migration });
  }
  return { hooks, lines, problems };
}

export const commandsText = (commands: string[][]) => commands.map((argv) => quote(argv)).join('\n');

export function hooksText(hooks: { argv: string[]; serverId?: string; migration: boolean }[], serverNameById: Map<string, string>) {
  return hooks
    .map((h) =>
      [
        ...(h.serverId ? [`@${serverNameById.get(h.serverId) ?? h.serverId}`] : []),
        ...(h.migration ? ['migration'] : []),
        quote(h.argv),
      ].join(' '),
    )
    .join('\n');
}

/** The settings form's text areas and command fields, from the stored config. */
export function settingsTexts(config: AppConfig, serverNameById: Map<string, string>) {
  return {
    workers: workersText(config.workers, serverNameById),
    cron: cronText(config.cron),
    buildCommands: commandsText(config.release.buildCommands),
    releaseCommands: commandsText(config.release.releaseCommands),
    hooks: hooksText(config.release.hooks, serverNameById),
    preSwitch: config.release.preSwitchCheck ? quote(config.release.preSwitchCheck) : '',
    restart: config.release.restartCommand ? quote(config.release.restartCommand) : '',
    postPushCommands: commandsText(config.env.postPushCommands),
  };
}
