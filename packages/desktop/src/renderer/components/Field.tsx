import type { InputHTMLAttributes } from 'react';

type FieldProps = { id: string; label: string; hint?: string } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id'
>;

/** A labelled text input with an optional hint tied to it for screen readers. */
export function Field({ id, label, hint, className, ...input }: FieldProps) {
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className={`input${className ? ` ${className}` : ''}`}
        aria-describedby={hint ? `${id}-hint` : undefined}
        {...input}
      />
      {hint && (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      )}
    </div>
  );
}
