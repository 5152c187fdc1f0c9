'use server';

import { z } from 'zod';
import { findApp } from '@/db/queries/apps';
import { acceptPresentedGitHostKey, findGitHostKey } from '@/db/queries/deploy-keys';
import { ActionError } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { regenerateDeployKey } from '@/lib/git-hosts/deploy-key';
import { parseSshRepository } from '@/lib/model/git-ssh-url';
import { trimmedLine } from '@/lib/model/text';
import { FINGERPRINT } from '@/lib/remote/fingerprint';
import { getRuntime } from '@/lib/runtime';

const appInput = z.object({ appId: z.uuid('Unknown app') });

/**
 * Makes the app's deploy key, or a new one in place of the old (the old public key then stops
 * working once removed from the git host). Only the fingerprint is audited.
 */
export const regenerateAppDeployKey = authedAction(
  { audit: 'app.deploy-key.regenerate', role: 'admin', schema: appInput },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const app = await findApp(ctx.db, input.appId);
    if (!app) throw new ActionError('That app does not exist.');
    const { replaced, fingerprint } = await regenerateDeployKey(ctx.db, getRuntime().keyRing, app);
    ctx.setDetails({ replaced, fingerprint });
    return { replaced, fingerprint };
  },
);

/**
 * Pins the key the app's git host presented instead of the pinned one, after an admin compared
 * it with the git host's published fingerprint. Only the fingerprint the page showed is accepted.
 */
export const acceptGitHostKey = authedAction(
  {
    audit: 'git-host.accept-key',
    role: 'admin',
    schema: appInput.extend({ fingerprint: trimmedLine(60).regex(FINGERPRINT, 'Not a SHA256 fingerprint') }),
  },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const app = await findApp(ctx.db, input.appId);
    const repo = app?.config.repository ? parseSshRepository(app.config.repository) : undefined;
    if (!repo) throw new ActionError('This app does not fetch over SSH.');
    const before = await findGitHostKey(ctx.db, repo.host, repo.port);
    const accepted = await acceptPresentedGitHostKey(ctx.db, repo.host, repo.port, input.fingerprint);
    if (!accepted) throw new ActionError('The git host presents another key than the one shown now: reload and compare again.');
    ctx.setDetails({ host: repo.host, port: repo.port, previous: before?.fingerprint, accepted: accepted.fingerprint });
    return { fingerprint: accepted.fingerprint };
  },
);
