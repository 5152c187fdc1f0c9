'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { addApp } from '@/app/(panel)/apps/actions';
import { ActionForm, useFieldErrors } from '@/components/forms/action-form';
import { Field, SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

const KINDS = [
  { value: 'php', label: 'PHP (Laravel and others)' },
  { value: 'process', label: 'Process (Node, Python, Deno…) behind nginx' },
  { value: 'static', label: 'Static files' },
];

function ServerChoices({ servers }: { servers: Array<{ id: string; name: string }> }) {
  const errors = useFieldErrors('serverIds');
  return (
    <fieldset className="sm:col-span-2">
      <legend className="text-sm font-medium">Servers</legend>
      {servers.map((s) => (
        <label key={s.id} className="mt-1 flex items-center gap-2 text-sm">
          <input type="checkbox" name="serverIds" value={s.id} /> {s.name}
        </label>
      ))}
      {errors && <p className="mt-1 text-xs text-red-700" role="alert">{errors.join(' ')}</p>}
    </fieldset>
  );
}

export function AddAppForm({ servers }: { servers: Array<{ id: string; name: string }> }) {
  const router = useRouter();
  const [kind, setKind] = useState('php');
  return (
    <ActionForm action={addApp} successMessage="App created; configuring" onSuccess={(data) => router.push(`/apps/${data.id}`)} aria-label="Create an app" className="grid gap-4 sm:grid-cols-2">
      <Field name="name" label="Name" required />
      <Field name="slug" label="Slug" hint="Also the app's unix user and directory name." required />
      <SelectField name="kind" label="Kind" options={KINDS} value={kind} onChange={(e) => setKind(e.target.value)} />
      <Field name="domains" label="Domains" placeholder="shop.example.com www.shop.example.com" required />
      {kind === 'php' && <Field name="phpVersion" label="PHP version" defaultValue="8.2" />}
      {kind === 'php' && <Field name="maxChildren" label="PHP-FPM max_children" type="number" defaultValue={5} />}
      {kind === 'process' && <Field name="port" label="Port it listens on (127.0.0.1)" type="number" placeholder="3001" />}
      {kind === 'process' && <Field name="processCommand" label="Command" placeholder="node server.js" />}
      {kind === 'php' && (
        <label className="flex items-center gap-2 text-sm sm:col-span-2"><input type="checkbox" name="scheduler" /> Run the Laravel scheduler every minute</label>
      )}
      <ServerChoices servers={servers} />
      <div className="sm:col-span-2"><Button type="submit">Create app</Button></div>
    </ActionForm>
  );
}
