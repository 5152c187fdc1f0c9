'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { approveOpsCommitAction, connectOpsRepoAction, syncOpsRepoAction } from '@/app/(panel)/definitions/gitops-actions';
import { ActionForm } from '@/components/forms/action-form';
import { ButtonForm } from '@/components/forms/button-form';
import { Field } from '@/components/forms/field';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Time } from '@/components/ui/time';
import type { Tone } from '@/lib/model/tone';

export type OpsCommitRow = {
  id: string;
  sha: string;
  subject: string;
  status: 'planned' | 'applied' | 'failed' | 'waiting' | 'superseded';
  changes: number;
  error: string | null;
  receivedAt: Date;
};
export type OpsRepoView = { id: string; url: string; branch: string; path: string; hookUrl: string; commits: OpsCommitRow[] };

const TONE: Record<OpsCommitRow['status'], Tone> = {
  planned: 'neutral',
  applied: 'good',
  failed: 'bad',
  waiting: 'warn',
  superseded: 'neutral',
};

function CommitItem({ commit }: { commit: OpsCommitRow }) {
  const router = useRouter();
  return (
    <li className="py-2" data-testid="ops-commit" data-sha={commit.sha} data-status={commit.status}>
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
        <p>
          <Badge tone={TONE[commit.status]}>{commit.status}</Badge> <code>{commit.sha.slice(0, 12)}</code> {commit.subject}
          <span className="text-xs text-slate-500">
            {' '}
            · {commit.changes} change{commit.changes === 1 ? '' : 's'} · <Time value={commit.receivedAt} />
          </span>
        </p>
        {commit.status === 'waiting' && (
          <ButtonForm
            action={approveOpsCommitAction}
            fields={{ commitId: commit.id }}
            label="Approve and apply"
            variant="danger"
            successMessage="Approval queued: it applies in turn"
            onSuccess={() => router.refresh()}
            aria-label={`Approve ${commit.sha}`}
          />
        )}
      </div>
      {commit.error && <pre className="mt-1 whitespace-pre-wrap text-xs text-red-700">{commit.error}</pre>}
    </li>
  );
}

/** The connected ops repositories, each with its webhook URL and its commits; and the form to connect one. */
export function OpsRepoCard({ repos }: { repos: OpsRepoView[] }) {
  const router = useRouter();
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  return (
    <div className="space-y-4">
      {repos.map((repo) => (
        <div key={repo.id} data-testid="ops-repo" className="space-y-2">
          <p className="text-sm">
            <code>{repo.url}</code> · branch <code>{repo.branch}</code> · file <code>{repo.path}</code>
          </p>
          <p className="text-xs text-slate-600">
            Push webhook: <code>{repo.hookUrl}</code>
          </p>
          <ButtonForm
            action={syncOpsRepoAction}
            fields={{ repoId: repo.id }}
            label="Sync now"
            variant="secondary"
            successMessage="Sync queued"
            onSuccess={() => router.refresh()}
            aria-label="Sync now"
          />
          <ul className="divide-y divide-slate-100">
            {repo.commits.map((c) => (
              <CommitItem key={c.id} commit={c} />
            ))}
          </ul>
        </div>
      ))}
      <ActionForm
        action={connectOpsRepoAction}
        successMessage="Repository connected"
        resetOnSuccess
        onSuccess={(data) => {
          setSecret(data);
          router.refresh();
        }}
        aria-label="Connect an ops repository"
        className="grid gap-3 sm:grid-cols-3"
      >
        <Field name="url" label="Repository (absolute path on this host)" required />
        <Field name="branch" label="Branch" defaultValue="main" />
        <Field name="path" label="Definition file" defaultValue="berth.yaml" />
        <div className="sm:col-span-3">
          <Button type="submit">Connect</Button>
        </div>
      </ActionForm>
      {secret && (
        <div className="rounded-md bg-amber-50 p-3 text-sm ring-1 ring-amber-200" role="status">
          <p className="font-medium">Sign each push notification with this secret; it is not shown again.</p>
          <p className="mt-1">
            POST <code>{secret.url}</code> with <code>{'{"timestamp": <unix seconds>}'}</code> and <code>X-Hub-Signature-256</code>.
          </p>
          <code className="mt-2 block break-all font-mono" data-testid="ops-secret">
            {secret.secret}
          </code>
        </div>
      )}
    </div>
  );
}
