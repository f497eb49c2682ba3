import { alertOf, fieldErrorsOf, type FieldErrors } from '../../field-errors.js';

/** A form that failed: what its alert says, and the fields at fault (each with the server's reason). */
export interface FormFailure {
  message: string;
  fields: FieldErrors;
}

/** Refusals of the directory that are about one field by nature, with what to say there. */
const KNOWN_CONFLICTS: Record<string, [string, string]> = {
  email_taken: ['email', 'this address belongs to someone already'],
};

/**
 * The server's refusal as a form shows it: each field at fault under the field, and the alert naming
 * them by the form's own `labels` (`400 invalid_request` names each field in `details`).
 */
export function formFailure(err: unknown, labels: Record<string, string>): FormFailure {
  const fields = fieldErrorsOf(err, KNOWN_CONFLICTS);
  return { message: alertOf(err, fields, labels), fields };
}

/** A field found wrong before asking the server. */
export const fieldFailure = (field: string, message: string): FormFailure => ({ message, fields: { [field]: message } });
