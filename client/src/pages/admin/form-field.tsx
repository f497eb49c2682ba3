import { useEffect, useId, type ReactNode, type RefObject } from 'react';
import type { FormFailure } from './form-failure.js';

/** What a control needs to be labelled, described and marked invalid. */
export interface ControlProps {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

interface FormFieldProps {
  label: string;
  help?: string;
  /** The reason this field was refused, shown under it and read with it. */
  error?: string;
  children: (control: ControlProps) => ReactNode;
}

/** A labelled control with its help and its error, both tied to it by aria-describedby. */
export function FormField({ label, help, error, children }: FormFieldProps) {
  const id = useId();
  const described = [help ? `${id}-help` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {help && <p className="field-help" id={`${id}-help`}>{help}</p>}
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': described || undefined })}
      {error && <p className="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

/** The form's alert: the whole reason, naming the fields (the server's details are in the message). */
export function FailureAlert({ failure }: { failure: FormFailure | null }) {
  return failure ? <p role="alert" className="alert alert-error">{failure.message}</p> : null;
}

/** After a refusal, the keyboard lands on the first field at fault. */
export function useFocusFirstInvalid(form: RefObject<HTMLFormElement | null>, failure: FormFailure | null) {
  useEffect(() => {
    if (failure) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [form, failure]);
}
