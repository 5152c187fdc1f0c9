'use client';

import { useId } from 'react';
import { useFieldErrors } from './action-form';

type FieldProps = React.InputHTMLAttributes<HTMLInputElement> & { name: string; label: string; hint?: string };

const INPUT = 'mt-1 block w-full rounded-md border-0 px-2.5 py-1.5 text-sm shadow-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-600';

export function Field({ name, label, hint, ...input }: FieldProps) {
  const id = useId();
  const errors = useFieldErrors(name);
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        name={name}
        aria-invalid={errors ? true : undefined}
        aria-describedby={errors ? `${id}-err` : undefined}
        className={`${INPUT} ${errors ? 'ring-red-500' : ''}`}
        {...input}
      />
      {hint && !errors && <p className="mt-1 text-xs text-slate-500">{hint}</p>}
      {errors && (
        <p id={`${id}-err`} className="mt-1 text-xs text-red-700" role="alert">
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}

type SelectProps = React.SelectHTMLAttributes<HTMLSelectElement> & { name: string; label: string; options: ReadonlyArray<{ value: string; label: string }> };

export function SelectField({ name, label, options, ...select }: SelectProps) {
  const id = useId();
  const errors = useFieldErrors(name);
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <select id={id} name={name} className={INPUT} aria-invalid={errors ? true : undefined} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {errors && <p className="mt-1 text-xs text-red-700" role="alert">{errors.join(' ')}</p>}
    </div>
  );
}
