import { ApiError, messageOf } from '../../api.js';

/** A form that failed: what its alert says, and the fields at fault (each with the server's reason). */
export interface FormFailure {
  message: string;
  fields: Record<string, string>;
}

/** Answers about one field whose details name none: the field they are about. */
const FIELD_OF_CODE: Record<string, string> = { email_taken: 'email' };

/** The server's refusal as a form shows it: `400 invalid_request` names each field in `details`. */
export function formFailure(err: unknown): FormFailure {
  const fields: Record<string, string> = {};
  if (err instanceof ApiError) {
    if (err.details && typeof err.details === 'object') {
      for (const [field, why] of Object.entries(err.details as Record<string, unknown>)) if (typeof why === 'string') fields[field] = why;
    }
    const field = FIELD_OF_CODE[err.code];
    if (field && !fields[field]) fields[field] = err.message;
  }
  return { message: messageOf(err), fields };
}

/** A field found wrong before asking the server. */
export const fieldFailure = (field: string, message: string): FormFailure => ({ message, fields: { [field]: message } });
