'use client';

import { useId } from 'react';
import { useFieldErrors } from './action-form';

const INPUT =
  'mt-1 block w-full rounded-md border-0 px-2.5 py-1.5 text-sm shadow-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-600';

type ControlProps = { id: string; name: string; className: string; 'aria-invalid'?: true; 'aria-describedby'?: string };

/** Label, hint and field errors around one control, wired for screen readers. */
function FieldShell({
  name,
  label,
  hint,
  control,
}: {
  name: string;
  label: string;
  hint?: string;
  control: (props: ControlProps) => React.ReactNode;
}) {
  const id = useId();
  const errors = useFieldErrors(name);
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {control({
        id,
        name,
        className: `${INPUT} ${errors ? 'ring-red-500' : ''}`,
        'aria-invalid': errors ? true : undefined,
        'aria-describedby': errors ? `${id}-err` : undefined,
      })}
      {hint && !errors && <p className="mt-1 text-xs text-slate-500">{hint}</p>}
      {errors && (
        <p id={`${id}-err`} className="mt-1 text-xs text-red-700" role="alert">
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}

type FieldProps = React.InputHTMLAttributes<HTMLInputElement> & { name: string; label: string; hint?: string };

export function Field({ name, label, hint, ...input }: FieldProps) {
  return <FieldShell name={name} label={label} hint={hint} control={(props) => <input {...input} {...props} />} />;
}

type SelectProps = React.SelectHTMLAttributes<HTMLSelectElement> & {
  name: string;
  label: string;
  options: ReadonlyArray<{ value: string; label: string }>;
};

export function SelectField({ name, label, options, ...select }: SelectProps) {
  return (
    <FieldShell
      name={name}
      label={label}
      control={(props) => (
        <select {...select} {...props}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}

type TextAreaProps = React.TextareaHTMLAttributes<HTMLTextAreaElement> & { name: string; label: string; hint?: string };

export function TextAreaField({ name, label, hint, ...area }: TextAreaProps) {
  return (
    <FieldShell
      name={name}
      label={label}
      hint={hint}
      control={(props) => <textarea rows={4} {...area} {...props} className={`${props.className} font-mono`} />}
    />
  );
}

/** A checkbox that always posts: hidden "off", then "on" when ticked, so "unticked" is told apart from "not in this form". */
export function CheckboxField({ name, label, defaultChecked }: { name: string; label: string; defaultChecked?: boolean }) {
  const errors = useFieldErrors(name);
  return (
    <div>
      <input type="hidden" name={name} value="off" />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name={name} value="on" defaultChecked={defaultChecked} /> {label}
      </label>
      {errors && (
        <p className="mt-1 text-xs text-red-700" role="alert">
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}
