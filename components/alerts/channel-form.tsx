'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { createChannelAction, updateChannelAction } from '@/app/(panel)/alerts/actions';
import { ActionForm, useFieldErrors } from '@/components/forms/action-form';
import { Field, SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import { CHANNEL_KINDS, DEFAULT_EVENTS, NOTIFY_EVENTS, type ChannelKind } from '@/lib/model/notifications';
import { CONFIG_FIELDS, EVENT_LABELS, FIELD_SPECS, KIND_LABELS, SECRET_FIELDS } from '@/lib/notify/fields';
import type { ChannelView } from '@/lib/notify/channels';

const KIND_OPTIONS = CHANNEL_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] }));

function EventChoices({ selected }: { selected: readonly string[] }) {
  const errors = useFieldErrors('events');
  return (
    <fieldset data-testid="channel-events">
      <legend className="text-sm font-medium text-slate-800">Send on</legend>
      <div className="mt-1 grid gap-1 sm:grid-cols-2">
        {NOTIFY_EVENTS.map((e) => (
          <label key={e} className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="events" value={e} defaultChecked={selected.includes(e)} data-testid={`channel-event-${e}`} />{' '}
            {EVENT_LABELS[e]}
          </label>
        ))}
      </div>
      {errors && (
        <p className="mt-1 text-xs text-red-700" role="alert">
          {errors.join(' ')}
        </p>
      )}
    </fieldset>
  );
}

/** One kind's settings. Stored secrets are never sent to the browser: their fields start empty, and empty keeps them. */
function KindFields({
  kind,
  values,
  storedSecrets,
}: {
  kind: ChannelKind;
  values: Record<string, string>;
  storedSecrets: readonly string[];
}) {
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      {CONFIG_FIELDS[kind].map((name) => {
        const spec = FIELD_SPECS[name]!;
        const secret = SECRET_FIELDS[kind].includes(name);
        const kept = secret && storedSecrets.includes(name);
        const common = { name, label: spec.label, 'data-testid': `channel-field-${name}` } as const;
        if (spec.options)
          return <SelectField key={name} {...common} options={spec.options} defaultValue={values[name] ?? spec.options[0]!.value} />;
        return (
          <Field
            key={name}
            {...common}
            type={secret ? 'password' : spec.type === 'number' ? 'text' : (spec.type ?? 'text')}
            inputMode={spec.type === 'number' ? 'numeric' : undefined}
            autoComplete={secret ? 'new-password' : 'off'}
            defaultValue={secret ? '' : values[name]}
            placeholder={kept ? '•••••••• stored: leave blank to keep' : spec.placeholder}
            hint={
              kept ? 'Stored and hidden. Type a new value to replace it (needed again when you change where the channel sends).' : spec.hint
            }
          />
        );
      })}
    </div>
  );
}

/** Add a channel (kind picked here) or edit one (its kind stays). */
export function ChannelForm({ channel, onDone }: { channel?: ChannelView; onDone?: () => void }) {
  const router = useRouter();
  const [kind, setKind] = useState<ChannelKind>(channel?.kind ?? 'webhook');
  const editing = Boolean(channel);
  return (
    <ActionForm
      action={editing ? updateChannelAction : createChannelAction}
      successMessage={editing ? 'Channel saved' : 'Channel added'}
      resetOnSuccess={!editing}
      onSuccess={() => {
        onDone?.();
        router.refresh();
      }}
      className="space-y-4"
      aria-label={editing ? `Edit ${channel!.name}` : 'Add a channel'}
    >
      <div data-testid={editing ? 'channel-edit-form' : 'channel-add-form'} className="space-y-4">
        {channel && <input type="hidden" name="id" value={channel.id} />}
        <div className="grid gap-3 sm:grid-cols-2">
          <Field name="name" label="Name" defaultValue={channel?.name} placeholder="Ops Slack" data-testid="channel-field-name" />
          {editing ? (
            <input type="hidden" name="kind" value={kind} />
          ) : (
            <SelectField
              name="kind"
              label="Kind"
              options={KIND_OPTIONS}
              value={kind}
              onChange={(e) => setKind(e.target.value as ChannelKind)}
              data-testid="channel-kind"
            />
          )}
        </div>
        {/* Keyed by kind: switching kinds starts that kind's fields empty. */}
        <KindFields key={kind} kind={kind} values={channel?.fields ?? {}} storedSecrets={channel?.storedSecrets ?? []} />
        <EventChoices selected={channel?.events ?? DEFAULT_EVENTS} />
        <div className="flex gap-2">
          <Button type="submit" data-testid="channel-submit">
            {editing ? 'Save channel' : 'Add channel'}
          </Button>
          {onDone && (
            <Button type="button" variant="secondary" onClick={onDone}>
              Cancel
            </Button>
          )}
        </div>
      </div>
    </ActionForm>
  );
}
