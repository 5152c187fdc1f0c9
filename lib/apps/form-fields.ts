/**
 * Where a config error shows in the app forms: the config's path → the form field's name, plus the
 * entry's index for the one-per-line text areas (workers, cron, paths).
 */
const NESTED: Record<string, Record<string, string>> = {
  pool: { memoryLimitMb: 'phpMemoryLimitMb' },
  healthCheck: { path: 'healthPath', expectStatus: 'healthStatus', timeoutS: 'healthTimeoutS' },
  tls: { mode: 'tlsMode', acmeEmail: 'acmeEmail' },
  dataServices: { postgres: 'postgres', redis: 'redis' },
  env: { postPushCommands: 'postPushCommands', restartAfterPush: 'restartAfterPush' },
  release: {
    buildCommands: 'buildCommands',
    releaseCommands: 'releaseCommands',
    hooks: 'hooks',
    preSwitchCheck: 'preSwitchCheck',
    gate: 'gate',
    watchWindowS: 'watchWindowS',
    watchErrorRisePct: 'watchErrorRisePct',
    restartCommand: 'restartCommand',
    keepReleases: 'keepReleases',
    buildTimeoutS: 'buildTimeoutS',
  },
};
const RENAMED: Record<string, string> = { processArgv: 'processCommand' };
const LISTS = new Set([
  'workers',
  'cron',
  'sharedPaths',
  'writablePaths',
  'domains',
  'buildCommands',
  'releaseCommands',
  'hooks',
  'postPushCommands',
]);

export function formFieldOf(path: ReadonlyArray<PropertyKey>): [field: string, index?: number] {
  const [head, next] = path.map(String);
  if (!head) return ['_form'];
  if (head in NESTED) {
    const field = next ? (NESTED[head]![next] ?? next) : head;
    const third = path.map(String)[2];
    // release.buildCommands.2 → the third line of the buildCommands text area
    return LISTS.has(field) && third !== undefined && /^\d+$/.test(third) ? [field, Number(third)] : [field];
  }
  if (LISTS.has(head) && next !== undefined && /^\d+$/.test(next)) return [head, Number(next)];
  return [RENAMED[head] ?? head];
}
