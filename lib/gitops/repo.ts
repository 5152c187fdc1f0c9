import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { trimmedLine } from '@/lib/model/text';
import type { Db } from '@/db';
import { insertOpsRepo } from '@/db/queries/ops-repos';
import type { OpsRepo, User } from '@/db/schema';
import { opsSecretAad } from '@/db/sealed-aad';
import { ActionError } from '@/lib/auth/action-core';
import { open, seal, type KeyRing } from '@/lib/crypto';
import { branchInput } from '@/lib/model/app-fields';
import { generateWebhookSecret } from '@/lib/releases/webhook';

export const openOpsSecret = (ring: KeyRing, repo: Pick<OpsRepo, 'id' | 'secretSealed'>) =>
  open(ring, repo.secretSealed, opsSecretAad(repo.id));
export const opsHookPath = (repoId: string) => `/api/gitops/${repoId}`;

export const opsRepoInput = z.object({
  // SSH URLs wait for deploy keys and pinned git hosts (operator essentials): a local path until then.
  url: trimmedLine(500)
    .min(1, 'Enter the repository’s path')
    .refine((p) => path.isAbsolute(p) && !p.includes('\0'), 'For now, an absolute path to a git repository on the panel’s host'),
  branch: branchInput,
  path: trimmedLine(300)
    .regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+\.ya?ml$/, 'A .yaml file inside the repository, e.g. berth/fleet.yaml')
    .default('berth.yaml'),
});

/**
 * Connects an ops repository; returns its webhook secret, shown once. Applies will act as `actor`
 * (an admin), and stop once that person may no longer apply.
 */
export async function connectOpsRepo(
  db: Db,
  ring: KeyRing,
  actor: User,
  input: z.output<typeof opsRepoInput>,
): Promise<{ repo: OpsRepo; secret: string }> {
  const isRepo = fs.existsSync(path.join(input.url, '.git')) || fs.existsSync(path.join(input.url, 'HEAD'));
  if (!isRepo) throw new ActionError(`${input.url} is not a git repository on the panel’s host.`, { url: ['Not a git repository'] });
  const id = crypto.randomUUID();
  const secret = generateWebhookSecret();
  const repo = await insertOpsRepo(db, { id, ...input, secretSealed: seal(ring, secret, opsSecretAad(id)), actorId: actor.id });
  return { repo, secret };
}
