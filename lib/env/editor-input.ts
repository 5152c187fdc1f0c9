import { z } from 'zod';
import { ActionError, type FieldErrors } from '@/lib/auth/action-core';
import {
  checkEnvKey,
  checkEnvKeyLength,
  checkEnvValue,
  checkEnvValueSize,
  MAX_ENV_KEY_LENGTH,
  MAX_ENV_VALUE_BYTES,
} from '@/lib/model/dotenv';
import { opaqueText, singleLine } from '@/lib/model/text';
import { ownEnvValue } from '@/lib/env/reveal';

export const MAX_ENV_KEYS = 500;

/**
 * One row of the editor as the browser sends it. Values never travel to the browser, so an
 * untouched row sends `value: null` and the stored value of `original` is kept.
 */
const editorRow = z.object({
  // Keys are checked row by row below (checkEnvKey); this bound only keeps the request small.
  key: opaqueText(4 * MAX_ENV_KEY_LENGTH),
  // A stored key, which may predate the key length limit: only the request's size is bounded here.
  original: singleLine(4 * 1024).nullable(),
  value: opaqueText(4 * MAX_ENV_VALUE_BYTES).nullable(),
});
export type EditorRow = z.infer<typeof editorRow>;

/** The editor's rows travel as one JSON field: FormData cannot say "this value is unchanged". */
// Opaque: JSON.stringify leaves DEL and the C1 controls raw, and values may hold them; each row is checked below.
export const editorRowsField = opaqueText(40 * 1024 * 1024)
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'The editor sent something unreadable: reload the page.' });
      return z.NEVER;
    }
  })
  .pipe(z.array(editorRow).max(MAX_ENV_KEYS, `At most ${MAX_ENV_KEYS} keys`));

/**
 * The environment the rows describe, checked as a whole: every bad key, value or duplicate is
 * reported against its row (`rows.<i>.key` / `rows.<i>.value`), and nothing is saved unless
 * all rows are good. Messages name keys, never values.
 */
export function envFromRows(rows: EditorRow[], stored: Record<string, string>): Record<string, string> {
  const errors: FieldErrors = {};
  const add = (i: number, field: 'key' | 'value', message: string) => {
    const key = `rows.${i}.${field}`;
    errors[key] = [...(errors[key] ?? []), message];
  };
  const firstRow = new Map<string, number>();
  const values: Record<string, string> = {};
  for (const [i, row] of rows.entries()) {
    // A kept key (unchanged from its stored name) may predate the length limit; a new or renamed one may not.
    const keyError = (row.key === row.original ? null : checkEnvKeyLength(row.key)) ?? checkEnvKey(row.key);
    if (keyError) add(i, 'key', keyError);
    else if (firstRow.has(row.key)) add(i, 'key', `${row.key} is already on row ${firstRow.get(row.key)! + 1}`);
    else firstRow.set(row.key, i);

    const value = row.value ?? (row.original !== null ? ownEnvValue(stored, row.original) : undefined);
    if (value === undefined) {
      add(i, 'value', row.original === null ? 'Enter a value' : `${row.original} was removed meanwhile: reload`);
      continue;
    }
    const valueError = checkEnvValue(value) ?? (row.value === null ? null : checkEnvValueSize(value));
    if (valueError) add(i, 'value', valueError);
    values[row.key] = value;
  }
  const count = Object.keys(errors).length;
  if (count)
    throw new ActionError(
      count === 1 ? 'One row needs fixing; nothing was saved.' : `${count} fields need fixing; nothing was saved.`,
      errors,
    );
  return values;
}
