'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { deleteBackupTarget, testBackupTarget } from '@/app/(panel)/settings/backup-target-actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field, SelectField } from '@/components/forms/field';
import { LiveRefresh } from '@/components/live-refresh';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Time } from '@/components/ui/time';
import type { TargetSettings } from '@/lib/model/backup-policy';
import { PanelKeyReveal } from './panel-key-reveal';
import { TargetForm } from './target-form';
import { destinationText, KIND_LABELS } from './target-text';

export type TargetView = {
  id: string;
  name: string;
  settings: TargetSettings;
  /** `at` (ISO 8601) also tells a newer result from the one on screen. */
  lastTest: { ok: boolean; error: string | null; at: string } | null;
};

/** How long the row follows a queued test before the admin has to reload (a test takes seconds). */
const FOLLOW_MS = 90_000;

function LastTest({ test }: { test: TargetView['lastTest'] }) {
  if (!test) return <Badge>never tested</Badge>;
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <Badge tone={test.ok ? 'good' : 'bad'}>{test.ok ? 'test passed' : 'test failed'}</Badge>
      <Time value={test.at} className="text-xs text-slate-500" />
      {test.error && (
        <span className="text-xs text-red-700" data-testid="target-test-error">
          {test.error}
        </span>
      )}
    </span>
  );
}

/** One target: what it is, its last test, and (admins) Send test, Edit, Delete and Reveal repository key. */
export function TargetRow({ target, servers }: { target: TargetView; servers: { id: string; name: string }[] }) {
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [sentAt, setSentAt] = useState<string | null>(null);
  const waiting = sentAt !== null && (!target.lastTest || target.lastTest.at < sentAt) && Date.now() - Date.parse(sentAt) < FOLLOW_MS;
  return (
    <li className="py-3" data-testid={`target-${target.name}`} data-test-ok={target.lastTest ? String(target.lastTest.ok) : 'none'}>
      <LiveRefresh active={waiting} ms={1500} />
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-medium">{target.name}</span>
        <Badge>{KIND_LABELS[target.settings.kind]}</Badge>
        <span className="font-mono text-xs text-slate-600">{destinationText(target.settings)}</span>
        <span className="ml-auto">{waiting ? <Badge tone="warn">testing…</Badge> : <LastTest test={target.lastTest} />}</span>
      </div>
      <div className="mt-2 flex flex-wrap items-end gap-3">
        {servers.length > 0 ? (
          <ActionForm
            action={testBackupTarget}
            successMessage="Test queued"
            onSuccess={(data) => {
              setSentAt(data.queuedAt);
              router.refresh();
            }}
            aria-label={`Send test ${target.name}`}
            className="flex items-end gap-2"
          >
            <input type="hidden" name="targetId" value={target.id} />
            <SelectField name="serverId" label="From server" options={servers.map((s) => ({ value: s.id, label: s.name }))} />
            <Button type="submit" variant="secondary">
              Send test
            </Button>
          </ActionForm>
        ) : (
          <span className="text-xs text-slate-500">Add a server with a pinned host key to send a test.</span>
        )}
        <Button type="button" variant="secondary" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
          {editing ? 'Close' : 'Edit'}
        </Button>
        <ActionForm
          action={deleteBackupTarget}
          successMessage="Target deleted"
          onSuccess={() => router.refresh()}
          aria-label={`Delete target ${target.name}`}
          className="flex items-end gap-2"
        >
          <input type="hidden" name="targetId" value={target.id} />
          <Field
            name="confirm"
            label={`Type ${target.name} to delete (its repository key goes too)`}
            autoComplete="off"
            spellCheck={false}
          />
          <Button type="submit" variant="danger">
            Delete
          </Button>
        </ActionForm>
        <PanelKeyReveal targetId={target.id} name={target.name} />
      </div>
      {editing && (
        <div className="mt-3 rounded-md bg-slate-50 p-3">
          <TargetForm existing={{ name: target.name, settings: target.settings }} onDone={() => setEditing(false)} />
        </div>
      )}
    </li>
  );
}
