'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { addServer } from '@/app/(panel)/servers/actions';
import { ActionForm, useFieldErrors } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

export function PrivateKeyField() {
  const errors = useFieldErrors('privateKey');
  return (
    <div className="sm:col-span-2">
      <label htmlFor="privateKey" className="block text-sm font-medium">
        Private key (OpenSSH or PEM, unencrypted)
      </label>
      <textarea
        id="privateKey"
        name="privateKey"
        rows={6}
        spellCheck={false}
        aria-invalid={errors ? true : undefined}
        className="mt-1 block w-full rounded-md px-2.5 py-1.5 font-mono text-xs ring-1 ring-slate-300"
        placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
      />
      {errors && (
        <p className="mt-1 text-xs text-red-700" role="alert">
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}

export function AddServerForm() {
  const router = useRouter();
  const [paste, setPaste] = useState(false);
  return (
    <ActionForm
      action={addServer}
      successMessage="Server added"
      onSuccess={(data) => router.push(`/servers/${data.id}`)}
      aria-label="Add a server"
      className="grid gap-4 sm:grid-cols-2"
    >
      <Field name="name" label="Name" placeholder="web-1" hint="Lowercase letters, digits and dashes." required />
      <Field name="host" label="Host" placeholder="203.0.113.10 or vps.example.com" required />
      <Field name="port" label="SSH port" type="number" defaultValue={22} min={1} max={65535} required />
      <Field name="username" label="SSH user" defaultValue="root" required />
      <Field name="bindAddress" label="Address nginx binds to" placeholder="all addresses" hint="Leave empty to listen on every address." />
      <fieldset className="sm:col-span-2">
        <legend className="text-sm font-medium">SSH key</legend>
        <label className="mt-1 flex items-center gap-2 text-sm">
          <input type="radio" name="keyMode" checked={!paste} onChange={() => setPaste(false)} /> Generate a new ed25519 key pair
          (recommended)
        </label>
        <label className="mt-1 flex items-center gap-2 text-sm">
          <input type="radio" name="keyMode" checked={paste} onChange={() => setPaste(true)} /> Paste an existing private key
        </label>
      </fieldset>
      {paste && <PrivateKeyField />}
      <div className="sm:col-span-2">
        <Button type="submit">Add server</Button>
      </div>
    </ActionForm>
  );
}
