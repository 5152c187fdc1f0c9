import { describe, expect, it } from 'vitest';
import { ActionError } from '@/lib/auth/action-core';
import { editorRowsField, envFromRows } from './editor-input';

const fieldErrors = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ActionError) return err.fieldErrors;
    throw err;
  }
  throw new Error('expected an ActionError');
};

describe('envFromRows', () => {
  const stored = { APP_KEY: 'stored-secret', OLD: 'kept' };

  it('keeps stored values for untouched rows, renames, adds and drops', () => {
    const rows = [
      { key: 'APP_KEY', original: 'APP_KEY', value: null },
      { key: 'RENAMED', original: 'OLD', value: null },
      { key: 'NEW', original: null, value: 'line 1\nline "2" $x' },
    ];
    expect(envFromRows(rows, stored)).toEqual({ APP_KEY: 'stored-secret', RENAMED: 'kept', NEW: 'line 1\nline "2" $x' });
  });

  it('reports every bad row at once, by row, without echoing values', () => {
    const errors = fieldErrors(() =>
      envFromRows(
        [
          { key: 'MY KEY', original: null, value: 'v1-secret' },
          { key: 'A=B', original: null, value: 'v2-secret' },
          { key: 'DUP', original: null, value: 'x' },
          { key: 'DUP', original: null, value: 'y' },
          { key: 'NUL', original: null, value: 'a\0b-secret' },
        ],
        stored,
      ),
    );
    expect(Object.keys(errors!).sort()).toEqual(['rows.0.key', 'rows.1.key', 'rows.3.key', 'rows.4.value']);
    expect(errors!['rows.3.key']![0]).toMatch(/DUP is already on row 3/);
    expect(errors!['rows.4.value']![0]).toMatch(/NUL/);
    expect(JSON.stringify(errors)).not.toMatch(/secret/);
  });

  it('refuses a row whose stored value vanished, and a new row without a value', () => {
    expect(Object.keys(fieldErrors(() => envFromRows([{ key: 'GONE', original: 'GONE', value: null }], stored))!)).toEqual([
      'rows.0.value',
    ]);
  });
});

describe('editorRowsField', () => {
  it('parses the JSON the editor posts and refuses anything else', () => {
    expect(editorRowsField.parse(JSON.stringify([{ key: 'A', original: null, value: 'x' }]))).toEqual([
      { key: 'A', original: null, value: 'x' },
    ]);
    expect(editorRowsField.safeParse('{not json').success).toBe(false);
    expect(editorRowsField.safeParse(JSON.stringify([{ key: 1 }])).success).toBe(false);
  });
});
