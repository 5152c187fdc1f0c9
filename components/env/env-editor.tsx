'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { saveEnvAction } from '@/app/(panel)/apps/[id]/env/actions';
import { ActionForm, useFieldErrors } from '@/components/forms/action-form';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { MaskedValue } from './reveal';

type Row = { id: number; original: string | null; key: string; value: string | null; managed: boolean };
export type EnvEditorKey = { key: string; managed: boolean };

const INPUT = 'block w-full rounded-md border-0 px-2 py-1 font-mono text-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-600';

/** What saving would do, by key: the browser never has the stored values, so "changed" means "a new value was typed". */
function pendingChanges(rows: Row[], keys: EnvEditorKey[]): string[] {
  const kept = new Set(rows.map((r) => r.original).filter(Boolean));
  const out: string[] = [];
  for (const r of rows) {
    if (r.original === null) out.push(`+ ${r.key || '(no key)'}`);
    else if (r.key !== r.original) out.push(`${r.original} → ${r.key}${r.value !== null ? ' (new value)' : ''}`);
    else if (r.value !== null) out.push(`~ ${r.key}`);
  }
  for (const k of keys) if (!kept.has(k.key)) out.push(`− ${k.key}`);
  return out;
}

function RowErrors({ index }: { index: number }) {
  const errors = [
    ...(useFieldErrors(`rows.${index}.key`) ?? []),
    ...(useFieldErrors(`rows.${index}.value`) ?? []),
    ...(useFieldErrors(`rows.${index}.original`) ?? []),
  ];
  if (errors.length === 0) return null;
  return (
    <p role="alert" className="mt-1 text-xs text-red-700">
      {errors.join(' ')}
    </p>
  );
}

/** Problems with the table as a whole (too many keys, an unreadable submission). */
function TableErrors() {
  const errors = useFieldErrors('rows');
  if (!errors) return null;
  return (
    <p role="alert" className="mb-2 text-sm text-red-700">
      {errors.join(' ')}
    </p>
  );
}

/**
 * The variables table. Values are masked: an untouched row sends no value and keeps the stored
 * one; "Change" opens an empty box for a new value. The diff of what Save would do is shown
 * before saving, and the save is refused if someone saved a newer revision meanwhile.
 */
export function EnvEditor({ appId, revision, keys, canEdit }: { appId: string; revision: number; keys: EnvEditorKey[]; canEdit: boolean }) {
  const router = useRouter();
  const initial = () => keys.map((k, i): Row => ({ id: i, original: k.key, key: k.key, value: null, managed: k.managed }));
  const [rows, setRows] = useState<Row[]>(initial);
  const [nextId, setNextId] = useState(keys.length);
  // Errors are reported by row position: adding or deleting a row starts a fresh form, so none lands on the wrong row.
  const [formKey, setFormKey] = useState(0);
  const update = (id: number, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const changes = pendingChanges(rows, keys);
  const payload = JSON.stringify(rows.map((r) => ({ key: r.key, original: r.original, value: r.value })));

  return (
    <ActionForm
      key={formKey}
      action={saveEnvAction}
      successMessage="Saved as a new revision"
      onSuccess={() => {
        setRows(initial());
        router.refresh();
      }}
      aria-label="Environment variables"
    >
      <TableErrors />
      <input type="hidden" name="appId" value={appId} />
      <input type="hidden" name="baseRevision" value={revision} />
      <input type="hidden" name="rows" value={payload} />
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-xs uppercase text-slate-500">
              <th className="w-2/5 py-1 pr-2">Key</th>
              <th className="py-1">Value</th>
              {canEdit && <th className="sr-only">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={3} className="py-3 text-slate-500">
                  No variables yet.
                </td>
              </tr>
            )}
            {rows.map((row, index) => (
              <tr key={row.id} data-testid={`env-row-${row.original ?? `new-${row.id}`}`} className="border-t border-slate-100 align-top">
                <td className="py-1.5 pr-2">
                  {canEdit ? (
                    <input
                      aria-label={`Key ${index + 1}`}
                      className={INPUT}
                      value={row.key}
                      onChange={(e) => update(row.id, { key: e.target.value })}
                      spellCheck={false}
                    />
                  ) : (
                    <code>{row.key}</code>
                  )}
                  {row.managed && <Badge tone="neutral">managed by Berth</Badge>}
                  <RowErrors index={index} />
                </td>
                <td className="py-1.5">
                  {row.value === null && row.original !== null ? (
                    <span className="flex items-center gap-3">
                      <MaskedValue envKey={row.original} canReveal={canEdit} />
                      {canEdit && (
                        <button
                          type="button"
                          className="text-xs text-indigo-700 hover:underline"
                          aria-label={`Change ${row.original}`}
                          onClick={() => update(row.id, { value: '' })}
                        >
                          Change
                        </button>
                      )}
                    </span>
                  ) : (
                    <span className="flex items-start gap-2">
                      <textarea
                        aria-label={`Value of ${row.key || `row ${index + 1}`}`}
                        className={INPUT}
                        rows={Math.min(6, (row.value ?? '').split('\n').length)}
                        value={row.value ?? ''}
                        onChange={(e) => update(row.id, { value: e.target.value })}
                        spellCheck={false}
                        placeholder="new value"
                      />
                      {row.original !== null && (
                        <button
                          type="button"
                          className="text-xs text-slate-600 hover:underline"
                          aria-label={`Keep the stored value of ${row.original}`}
                          onClick={() => update(row.id, { value: null })}
                        >
                          Cancel
                        </button>
                      )}
                    </span>
                  )}
                </td>
                {canEdit && (
                  <td className="py-1.5 pl-2 text-right">
                    <button
                      type="button"
                      className="text-xs text-red-700 hover:underline"
                      aria-label={`Delete ${row.key || `row ${index + 1}`}`}
                      onClick={() => {
                        setRows((rs) => rs.filter((r) => r.id !== row.id));
                        setFormKey((k) => k + 1);
                      }}
                    >
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canEdit && (
        <div className="mt-3 space-y-3">
          <Button
            type="button"
            variant="secondary"
            onClick={() => {
              setRows((rs) => [...rs, { id: nextId, original: null, key: '', value: '', managed: false }]);
              setNextId((n) => n + 1);
              setFormKey((k) => k + 1);
            }}
          >
            Add variable
          </Button>
          {changes.length > 0 && (
            <div data-testid="env-unsaved-diff" className="rounded-md bg-slate-50 p-3 text-sm ring-1 ring-slate-200">
              <p className="font-medium">Unsaved changes</p>
              <ul className="mt-1 font-mono text-xs">
                {changes.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            </div>
          )}
          <Button type="submit" disabled={changes.length === 0}>
            Save revision
          </Button>
        </div>
      )}
    </ActionForm>
  );
}
