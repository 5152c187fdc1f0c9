'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { addApp } from '@/app/(panel)/apps/actions';
import { ActionForm, useFieldErrors } from '@/components/forms/action-form';
import { CheckboxField, Field, SelectField } from '@/components/forms/field';
import { ROLE_CHOICES } from './placement-form';
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
        <div key={s.id} className="mt-1 flex items-center gap-3 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" name="serverIds" value={s.id} /> {s.name}
          </label>
          <select
            name={`role-${s.id}`}
            aria-label={`Roles on ${s.name}`}
            defaultValue="both"
            className="rounded-md px-2 py-1 text-sm ring-1 ring-slate-300"
          >
            {ROLE_CHOICES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
      ))}
      {errors && (
        <p className="mt-1 text-xs text-red-700" role="alert">
          {errors.join(' ')}
        </p>
      )}
    </fieldset>
  );
}

export function AddAppForm({ servers }: { servers: Array<{ id: string; name: string }> }) {
  const router = useRouter();
  const [kind, setKind] = useState('php');
  return (
    <ActionForm
      action={addApp}
      successMessage="App created; configuring"
      onSuccess={(data) => router.push(`/apps/${data.id}`)}
      aria-label="Create an app"
      className="grid gap-4 sm:grid-cols-2"
    >
      <Field name="name" label="Name" required />
      <Field name="slug" label="Slug" hint="Also the app's unix user and directory name." required />
      <SelectField name="kind" label="Kind" options={KINDS} value={kind} onChange={(e) => setKind(e.target.value)} />
      <Field name="domains" label="Domains" placeholder="shop.example.com www.shop.example.com" required />
      {kind === 'php' && <Field name="phpVersion" label="PHP version" defaultValue="8.2" />}
      {kind === 'php' && <Field name="maxChildren" label="PHP-FPM max_children" type="number" defaultValue={5} />}
      {kind === 'process' && (
        <Field name="port" label="Port it listens on ($PORT; a release also uses the next one)" type="number" placeholder="3001" />
      )}
      {kind === 'process' && <Field name="processCommand" label="Command" placeholder="node server.js" />}
      {kind !== 'process' && (
        <Field
          name="webRoot"
          label="Web root"
          hint="Inside the release, e.g. public or dist."
          defaultValue={kind === 'static' ? 'dist' : 'public'}
        />
      )}
      <Field name="repository" label="Repository" placeholder="git@github.com:acme/shop.git" />
      <Field name="branch" label="Branch" defaultValue="main" />
      {kind === 'php' && <CheckboxField name="scheduler" label="Run the Laravel scheduler every minute" />}
      <ServerChoices servers={servers} />
      <div className="sm:col-span-2">
        <Button type="submit">Create app</Button>
      </div>
    </ActionForm>
  );
}
