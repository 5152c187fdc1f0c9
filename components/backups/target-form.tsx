'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { saveBackupTarget } from '@/app/(panel)/settings/backup-target-actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field, SelectField, TextAreaField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import type { TargetKind, TargetSettings } from '@/lib/model/backup-policy';
import { KIND_LABELS } from './target-text';

const KINDS = (['s3', 'sftp', 'local'] as const).map((k) => ({ value: k, label: KIND_LABELS[k] }));

type Existing = { name: string; settings: TargetSettings };

/**
 * Adds a target, or edits one (its name stays: policies name it). Only the chosen kind's fields
 * are sent. The secret is never shown back: on an edit, leaving it empty keeps the stored one.
 */
export function TargetForm({ existing, onDone }: { existing?: Existing; onDone?: () => void }) {
  const router = useRouter();
  const [kind, setKind] = useState<TargetKind>(existing?.settings.kind ?? 's3');
  const s = existing?.settings;
  const of = <K extends TargetKind>(k: K) => (s?.kind === k ? (s as Extract<TargetSettings, { kind: K }>) : undefined);
  const s3 = of('s3');
  const sftp = of('sftp');
  const local = of('local');
  const keep = existing ? 'Leave empty to keep the stored one.' : undefined;
  return (
    <ActionForm
      action={saveBackupTarget}
      successMessage={existing ? 'Target saved' : 'Target added'}
      resetOnSuccess={!existing}
      onSuccess={() => {
        router.refresh();
        onDone?.();
      }}
      aria-label={existing ? `Edit target ${existing.name}` : 'Add a backup target'}
      className="grid gap-3 sm:grid-cols-2"
    >
      {existing ? (
        <input type="hidden" name="name" value={existing.name} />
      ) : (
        <Field name="name" label="Name" hint="Policies name it: lowercase letters, digits, dashes." data-testid="target-name" />
      )}
      <SelectField
        name="kind"
        label="Kind"
        options={KINDS}
        value={kind}
        onChange={(e) => setKind(e.target.value as TargetKind)}
        data-testid="target-kind"
      />
      {kind === 's3' && (
        <>
          <Field
            name="endpoint"
            label="Endpoint URL"
            placeholder="https://s3.example.com"
            defaultValue={s3?.endpoint}
            data-testid="target-endpoint"
          />
          <Field name="region" label="Region (optional)" defaultValue={s3?.region} data-testid="target-region" />
          <Field name="bucket" label="Bucket" hint="bucket or bucket/prefix" defaultValue={s3?.bucket} data-testid="target-bucket" />
          <Field
            name="accessKeyId"
            label="Access key id"
            defaultValue={s3?.accessKeyId}
            autoComplete="off"
            data-testid="target-access-key"
          />
          <Field
            name="credential"
            label="Secret access key"
            type="password"
            autoComplete="new-password"
            hint={keep ?? 'Sealed at rest; never shown again.'}
            data-testid="target-secret"
          />
        </>
      )}
      {kind === 'sftp' && (
        <>
          <Field name="host" label="Host" defaultValue={sftp?.host} data-testid="target-host" />
          <Field name="port" label="Port" type="number" defaultValue={sftp?.port ?? 22} data-testid="target-port" />
          <Field name="user" label="User" defaultValue={sftp?.user} autoComplete="off" data-testid="target-user" />
          <Field name="path" label="Path on the target" defaultValue={sftp?.path ?? 'berth'} data-testid="target-path" />
          <div className="sm:col-span-2">
            <Field
              name="hostKey"
              label="Host key"
              placeholder="ssh-ed25519 AAAA…"
              hint="As known_hosts has it, without the host name: pinned, never learnt on use."
              defaultValue={sftp?.hostKey}
              data-testid="target-host-key"
            />
          </div>
          <div className="sm:col-span-2">
            <TextAreaField
              name="credential"
              label="Private key"
              placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
              hint={keep ?? 'The key the servers log in with; sealed at rest, never shown again.'}
              autoComplete="off"
              spellCheck={false}
              data-testid="target-private-key"
            />
          </div>
        </>
      )}
      {kind === 'local' && (
        <Field
          name="path"
          label="Path on each server"
          hint="Another disk, ideally: a local copy is not offsite."
          defaultValue={local?.path ?? '/srv/backups'}
          data-testid="target-path"
        />
      )}
      <div className="sm:col-span-2">
        <Button type="submit" data-testid="target-submit">
          {existing ? 'Save target' : 'Add target'}
        </Button>
      </div>
    </ActionForm>
  );
}
