import {
  cronEntries,
  cronFile,
  liveUpstreamFile,
  poolFiles,
  supervisorFile,
  supervisorPrograms,
  vhostFile,
  webSlotsFile,
} from './desired-files';
import type { ServerPlanInput } from './server-input';

export type { DesiredFile } from './desired-files';
export type { AppRole, ServerPlanInput } from './server-input';

/**
 * The plan of one app on one server: every file Berth manages for it there, with its content
 * (null: must not exist), and the programs and cron lines those files hold. Configure writes
 * exactly these (lib/recipes/configure/config-files.ts) and "pending changes" diffs exactly these
 * against the server (lib/apps/pending-changes.ts): one function, so the view cannot promise what
 * apply would not do.
 */
export function planAppOnServer(input: ServerPlanInput) {
  const pools = poolFiles(input);
  const vhost = vhostFile(input);
  const supervisor = supervisorFile(input);
  const cron = cronFile(input);
  const liveUpstream = liveUpstreamFile(input);
  const webSlots = webSlotsFile(input);
  return {
    pools,
    vhost,
    supervisor,
    cron,
    liveUpstream,
    webSlots,
    programs: supervisorPrograms(input.app, input.roles, input.server.id),
    cronEntries: cronEntries(input),
    /** In the order the configure tasks write them. */
    files: [...pools, vhost, supervisor, cron, liveUpstream, webSlots],
  };
}
export type ServerPlan = ReturnType<typeof planAppOnServer>;
