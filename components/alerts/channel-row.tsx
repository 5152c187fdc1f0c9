'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { deleteChannelAction, sendTestAction, setChannelEnabledAction } from '@/app/(panel)/alerts/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Time } from '@/components/ui/time';
import type { ChannelSummary, ChannelView } from '@/lib/notify/channels';
import { EVENT_LABELS, KIND_LABELS } from '@/lib/notify/fields';
import type { NotifyEventType } from '@/lib/model/notifications';
import { ChannelForm } from './channel-form';

// Type-only import above: lib/notify/channels is server code and must not enter the client bundle.
const editable = (c: ChannelSummary): c is ChannelView => 'fields' in c;
const when = (iso: string | null) => <Time value={iso} fallback="never" />;

/**
 * A client component: everything in `channel` reaches the browser. Viewers get a ChannelSummary
 * (no settings); the edit controls need the admin's ChannelView.
 */
export function ChannelRow({ channel, canManage }: { channel: ChannelSummary; canManage: boolean }) {
  const router = useRouter();
  const refresh = () => router.refresh();
  const [editing, setEditing] = useState(false);
  const c = channel;
  return (
    <li className="py-4" data-testid={`channel-${c.id}`} data-channel-name={c.name}>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-64 flex-1">
          <p className="flex flex-wrap items-center gap-2 font-medium">
            <span data-testid="channel-name">{c.name}</span>
            <Badge>{KIND_LABELS[c.kind]}</Badge>
            {c.enabled ? <Badge tone="good">enabled</Badge> : <Badge tone="warn">disabled</Badge>}
          </p>
          <p className="text-sm text-slate-600" data-testid="channel-target">
            Sends to {c.target}
          </p>
          <p className="mt-1 text-xs text-slate-500">
            {c.events.map((e) => EVENT_LABELS[e as NotifyEventType] ?? e).join(' · ') || 'no events'}
          </p>
          <p className="mt-1 text-xs text-slate-500" data-testid="channel-last-sent">
            Last sent: {when(c.lastSentAt)}
          </p>
          {c.lastError && (
            <p className="mt-1 break-words text-xs text-red-700" role="alert" data-testid="channel-last-error">
              Last error ({when(c.lastErrorAt)}): {c.lastError}
            </p>
          )}
          {c.unreadable && (
            <p className="mt-1 text-xs text-red-700" role="alert">
              The stored settings cannot be opened ({c.unreadable}): edit the channel and enter them again.
            </p>
          )}
        </div>
        {canManage && (
          <div className="flex flex-wrap items-center gap-2">
            <ActionForm
              action={sendTestAction}
              successMessage={`Test sent to ${c.name}`}
              onSuccess={refresh}
              aria-label={`Send a test to ${c.name}`}
            >
              <input type="hidden" name="channelId" value={c.id} />
              <Button type="submit" variant="secondary" data-testid="channel-test">
                Send test
              </Button>
            </ActionForm>
            <ActionForm
              action={setChannelEnabledAction}
              successMessage={c.enabled ? 'Channel disabled' : 'Channel enabled'}
              onSuccess={refresh}
            >
              <input type="hidden" name="channelId" value={c.id} />
              <input type="hidden" name="enabled" value={String(!c.enabled)} />
              <Button type="submit" variant="secondary" data-testid="channel-toggle">
                {c.enabled ? 'Disable' : 'Enable'}
              </Button>
            </ActionForm>
            <Button
              type="button"
              variant="secondary"
              onClick={() => setEditing((v) => !v)}
              data-testid="channel-edit"
              aria-expanded={editing}
            >
              Edit
            </Button>
            <ActionForm action={deleteChannelAction} successMessage="Channel deleted" onSuccess={refresh}>
              <input type="hidden" name="channelId" value={c.id} />
              <Button
                type="submit"
                variant="danger"
                data-testid="channel-delete"
                onClick={(e) => {
                  if (!window.confirm(`Delete the channel "${c.name}" and its delivery history?`)) e.preventDefault();
                }}
              >
                Delete
              </Button>
            </ActionForm>
          </div>
        )}
      </div>
      {editing && canManage && editable(c) && (
        <div className="mt-4 rounded-md bg-slate-50 p-4 ring-1 ring-slate-200">
          <ChannelForm channel={c} onDone={() => setEditing(false)} />
        </div>
      )}
    </li>
  );
}
