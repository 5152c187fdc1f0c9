'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { importEnvAction } from '@/app/(panel)/apps/[id]/env/actions';
import { ActionForm } from '@/components/forms/action-form';
import { TextAreaField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import { parseDotenv } from '@/lib/model/dotenv';

/**
 * Paste a .env file: the preview (parsed in the browser, with the same parser the server uses)
 * lists which keys are new and which replace a stored value, or names the line that is wrong.
 * The server parses again on save; keys the paste does not name are kept.
 */
export function EnvImport({ appId, revision, existing }: { appId: string; revision: number; existing: string[] }) {
  const router = useRouter();
  const [text, setText] = useState('');
  const parsed = text.trim() ? parseDotenv(text) : null;
  const known = new Set(existing);
  return (
    <ActionForm
      action={importEnvAction}
      successMessage="Pasted keys saved as a new revision"
      resetOnSuccess
      onSuccess={() => {
        setText('');
        router.refresh();
      }}
      aria-label="Paste a .env file"
    >
      <input type="hidden" name="appId" value={appId} />
      <input type="hidden" name="baseRevision" value={revision} />
      <TextAreaField
        name="text"
        label=".env contents"
        rows={6}
        value={text}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
        placeholder={'APP_NAME=Laravel\nMAIL_FROM="Ops <ops@example.com>"'}
      />
      {parsed && !parsed.ok && (
        <p role="alert" data-testid="env-import-error" className="mt-2 text-sm text-red-700">
          {parsed.message}
        </p>
      )}
      {parsed?.ok && (
        <div data-testid="env-import-preview" className="mt-2 text-sm">
          <p>{parsed.entries.length} key(s) will be set:</p>
          <ul className="mt-1 font-mono text-xs">
            {parsed.entries.map((e) => (
              <li key={e.key}>
                {known.has(e.key) ? '~' : '+'} {e.key} {known.has(e.key) ? '(replaces the stored value)' : '(new)'}
              </li>
            ))}
          </ul>
        </div>
      )}
      <Button type="submit" className="mt-3" disabled={!parsed?.ok}>
        Save pasted keys
      </Button>
    </ActionForm>
  );
}
