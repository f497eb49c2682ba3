import { ApiError, messageOf } from './api.js';

/** What is wrong with each field of a form, by the field's API name (e.g. `password`, `email`). */
export type FieldErrors = Record<string, string>;

/**
 * The field-level part of a refusal: `400 invalid_request` names each field in `details`, and a few
 * precise codes are about one field by nature (`409 email_taken` is the email's). `known` maps
 * codes to the field they concern and what to say about it.
 */
export function fieldErrorsOf(err: unknown, known: Record<string, [field: string, message: string]> = {}): FieldErrors {
  if (!(err instanceof ApiError)) return {};
  const errors: FieldErrors = {};
  if (err.details && typeof err.details === 'object' && !Array.isArray(err.details)) {
    for (const [field, why] of Object.entries(err.details as Record<string, unknown>)) if (typeof why === 'string') errors[field] = why;
  }
  const byCode = known[err.code];
  if (byCode) errors[byCode[0]] ??= byCode[1];
  return errors;
}

/**
 * The form's alert: each field at fault by its label and what is wrong with it, so the message
 * stands on its own when a screen reader announces it; fields the form does not show (or none) fall
 * back to the server's own message.
 */
export function alertOf(err: unknown, errors: FieldErrors, labels: Record<string, string>): string {
  const named = Object.entries(errors).filter(([field]) => labels[field]);
  if (named.length === 0) return messageOf(err);
  return named.map(([field, why]) => `${labels[field]}: ${why}.`).join(' ');
}
