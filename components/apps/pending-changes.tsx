'use client';

import { useState } from 'react';
import { checkPendingChanges } from '@/app/(panel)/apps/[id]/pending-actions';
import { ActionForm } from '@/components/forms/action-form';
import { Badge } from '@/components/ui/badge';
import type { Tone } from '@/lib/model/tone';
import { Button } from '@/components/ui/button';
import type { FileStatus, PendingFile, ServerPending } from '@/lib/apps/pending-changes';

const TONE: Record<FileStatus, Tone> = { create: 'good', update: 'warn', remove: 'bad', same: 'neutral' };

/** One unified-diff line, coloured like a code review: additions green, removals red, hunk headers muted. */
function lineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) return 'text-slate-500';
  if (line.startsWith('+')) return 'bg-emerald-50 text-emerald-800';
  if (line.startsWith('-')) return 'bg-red-50 text-red-800';
  if (line.startsWith('@@')) return 'text-indigo-600';
  return 'text-slate-700';
}

export function Diff({ text }: { text: string }) {
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    <pre className="mt-2 overflow-x-auto rounded bg-slate-50 py-2 text-xs leading-5 ring-1 ring-slate-200" data-testid="pending-diff">
      {lines.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: diff lines have no identity but their position (the same text can recur), and a new diff replaces the list whole
        <div key={i} className={`px-3 whitespace-pre ${lineClass(line)}`}>
          {line || ' '}
        </div>
      ))}
    </pre>
  );
}

function FileRow({ file }: { file: PendingFile }) {
  return (
    <li data-testid="pending-file" data-path={file.path} data-status={file.status} className="py-2">
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone={TONE[file.status]}>{file.status}</Badge>
        <code className="text-xs text-slate-800">{file.path}</code>
      </div>
      {file.diff && <Diff text={file.diff} />}
    </li>
  );
}

function ServerResult({ result }: { result: ServerPending }) {
  const changed = result.ok ? result.files.filter((f) => f.status !== 'same').length : 0;
  return (
    <section data-testid={`pending-${result.serverName}`} className="rounded-md p-3 ring-1 ring-slate-200">
      <h3 className="flex flex-wrap items-baseline gap-2 text-sm font-semibold">
        {result.serverName}
        {result.ok && <span className="text-xs font-normal text-slate-500">checked in {result.ms} ms</span>}
      </h3>
      {!result.ok ? (
        <p role="alert" className="mt-2 text-sm whitespace-pre-wrap text-red-700">
          {result.error}
        </p>
      ) : (
        <>
          {changed === 0 && <p className="mt-2 text-sm text-slate-600">No pending changes: the server has what Berth would write.</p>}
          <ul className="mt-1 divide-y divide-slate-100">
            {result.files.map((f) => (
              <FileRow key={f.path} file={f} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/**
 * "Check pending changes": the diff between what configure would write and what each server has
 * now, fetched on demand (it opens SSH sessions, so it never runs on page load).
 */
export function PendingChanges({ appId }: { appId: string }) {
  const [servers, setServers] = useState<ServerPending[] | null>(null);
  return (
    <div data-testid="pending-changes">
      <ActionForm action={checkPendingChanges} onSuccess={setServers} aria-label="Check pending changes">
        <input type="hidden" name="appId" value={appId} />
        <Button type="submit" variant="secondary">
          Check pending changes
        </Button>
      </ActionForm>
      {servers && (
        <div className="mt-4 space-y-3">
          {servers.length === 0 && <p className="text-sm text-slate-600">This app is on no server yet.</p>}
          {servers.map((s) => (
            <ServerResult key={s.serverId} result={s} />
          ))}
        </div>
      )}
    </div>
  );
}
