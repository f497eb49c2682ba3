import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from 'pino';

/**
 * Every `error.code` the API answers, with what it tells a client. A code is part of the contract:
 * clients branch on it, so a new one is added here (the compiler refuses any other) and in
 * docs/http-api.md.
 */
export const ERROR_CODES = {
  invalid_request: 'The body, query or path is wrong; details names each field at fault.',
  unauthenticated: 'Sign in (or send a bearer token) first.',
  invalid_credentials: 'The email or password is not correct.',
  otp_required: 'The account has a second factor: send a current TOTP code or a recovery code.',
  reauthentication_required: 'Confirm the current password (currentPassword) for this change.',
  csrf: 'A cookie-authenticated change needs the X-CSRF-Token of its session.',
  forbidden: 'Visible to the caller, but not theirs to do.',
  four_eyes: 'An NDA is confirmed, and an answer to a question approved, by a second person: not by who registered or wrote it.',
  cannot_erase_self: 'An administrator cannot erase their own account.',
  nda_required: "No confirmed NDA covers the caller's organisation in the room yet.",
  room_closed: 'The room is closed to parties.',
  ip_not_allowed: "The request comes from outside the party's IP allow-list.",
  mfa_required: 'The room requires a second factor; sign in with one.',
  mfa_unavailable: 'Second factors are not available for this kind of account.',
  mfa_not_set_up: 'Start TOTP set-up first.',
  mfa_enabled: 'A second factor is on already.',
  mfa_not_enabled: 'No second factor is on.',
  not_found: 'No such id — or one hidden from the caller: the two are indistinguishable.',
  conflict: 'Another change happened at the same time; try again.',
  email_taken: 'A user with this email exists.',
  party_conflict: 'The user is in another party of this room already.',
  invalid_token: 'The link is unknown, used, replaced or expired (one answer for all four): ask for a new one.',
  not_invited: 'The user has accepted their invitation already (or is disabled): nothing to send again.',
  invalid_state: 'The object is not in a state that allows this (an NDA already decided, a document withdrawn).',
  question_limit: "The party has asked as many questions as the room's limit per party allows.",
  reference_not_visible: 'An answer may refer only to documents the asking party may view; details.documentIds names the others.',
  delivered: 'The document has left the deal team: withdraw it instead (what left the room stays on the record).',
  download_changed: 'The download cannot be resumed identically; start a new one.',
  not_a_dataset: 'The document is not a dataset (a CSV or XLSX table), or its file could not be read as one (the message says why).',
  too_large: 'The request or file is over its size limit.',
  unsupported_type: 'The file or body type is not accepted here.',
  range_not_satisfiable: 'The byte range asked for is not in the file.',
  unstampable: 'The file cannot be watermarked, so it is delivered at level original only.',
  unreadable_pdf: 'The PDF cannot be read, so it cannot be watermarked and is refused.',
  pdf_too_complex: 'The PDF is over the limits of time, memory or structure for watermarking.',
  pdf_password_required: 'The PDF needs a password to open: upload a copy without it.',
  not_traced: 'Nothing in the file leads to a delivery of this room.',
  access_check_failed: 'Access could not be decided (a store or database failure): denied, try again.',
  rate_limited: 'Too many requests; Retry-After says when to try again.',
  storage_unavailable: 'The document store does not answer; try again shortly.',
  room_open: 'Only a closed room can be purged: close it first.',
  archive_building: 'An archive of the room is being built: the purge waits for it; ask again once the archive is ready or failed.',
  purged: "The room has been purged: its files were deleted at the deal's end; its record (rows, ledger, deletion certificate) stays.",
  internal: 'A fault of the server, logged with the request id; nothing was changed.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error type the server throws on purpose: a code, an HTTP status, a message and optional
 * details. Anything else reaching the handler is a bug and answers a bare 500.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    // The underlying failure, for the log of a 5xx; never shown to the caller.
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * What the ledger records of a refusal: the act refused (`action`, as in the ledger), what it was
 * about, and why. The reason is for the ledger only, never for the caller.
 */
export interface Refusal {
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  roomId?: string | null;
  reason: string;
  details?: Record<string, unknown>;
}

/**
 * A refusal as a value: the answer the caller gets and what the ledger records. Whoever decides
 * (policy/, a service) only throws it; the error handler records the refusal, then answers, so no
 * refusal can be answered without being recorded, and deciding performs no I/O.
 */
export class DeniedError extends HttpError {
  constructor(
    readonly answer: HttpError,
    readonly refusal: Refusal,
  ) {
    super(answer.status, answer.code, answer.message, answer.details);
  }
}

/** Refuses: by default with the 404 of a missing id, so a hidden thing reads exactly like one. */
export const denied = (refusal: Refusal, answer: HttpError = notFound()) => new DeniedError(answer, refusal);

/** Writes a refusal to the ledger for the request that was refused (app.ts gives the ledger's). */
export type RefusalRecorder = (req: Request, error: DeniedError) => Promise<void>;

export const invalidRequest = (message: string, details?: unknown) =>
  new HttpError(400, 'invalid_request', message, details);
export const unauthenticated = () => new HttpError(401, 'unauthenticated', 'Sign in first.');
export const forbidden = (code: ErrorCode = 'forbidden', message = 'You may not do this.') => new HttpError(403, code, message);
/** The one "not found": absent and hidden must be indistinguishable, so there is no other wording. */
export const notFound = () => new HttpError(404, 'not_found', 'Not found.');
export const conflict = (code: ErrorCode, message: string) => new HttpError(409, code, message);
export const tooLarge = (message = 'The request is too large.') => new HttpError(413, 'too_large', message);
export const unsupportedType = (message: string) => new HttpError(415, 'unsupported_type', message);
export const unprocessable = (code: ErrorCode, message: string) => new HttpError(422, code, message);
/** A Range past the end of the file; the handler answers with its size in Content-Range and no body (RFC 9110 §15.5.17). */
export const rangeNotSatisfiable = (size: number) => new HttpError(416, 'range_not_satisfiable', 'The range asked for is not in the file.', { size });
/** details.retryAfterSeconds, when the wait is known, is what the error handler puts in Retry-After. */
export const rateLimited = (message: string, details?: { retryAfterSeconds: number }) =>
  new HttpError(429, 'rate_limited', message, details);
export const storageUnavailable = () =>
  new HttpError(503, 'storage_unavailable', 'The document store is unavailable; try again shortly.');

export function errorHandler(logger: Logger, recordRefusal: RefusalRecorder): ErrorRequestHandler {
  return async (err, req, res, _next) => {
    if (err instanceof DeniedError) {
      try {
        await recordRefusal(req, err);
      } catch (recordErr) {
        // Every decision is on the record or not made at all: an unrecorded refusal answers 500.
        logger.error({ err: recordErr, reqId: req.id }, 'refusal could not be recorded');
        if (!res.headersSent) res.status(500).json({ error: { code: 'internal' satisfies ErrorCode, message: 'Internal error.' } });
        else res.destroy();
        return;
      }
    }
    const httpError = toHttpError(err);
    if (!httpError) {
      logger.error({ err, reqId: req.id }, 'unhandled error');
      if (!res.headersSent) res.status(500).json({ error: { code: 'internal' satisfies ErrorCode, message: 'Internal error.' } });
      else res.destroy();
      return;
    }
    // A 5xx the code chose (store down, keys that do not match) is the operator's business: logged with its cause.
    if (httpError.status >= 500) logger.error({ err, reqId: req.id, code: httpError.code }, httpError.message);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body: { error: { code: string; message: string; details?: unknown } } = {
      error: { code: httpError.code, message: httpError.message },
    };
    if (httpError.details !== undefined) body.error.details = httpError.details;
    // A file route may have set its file's headers before failing (e.g. the store went away): the
    // error is JSON, whatever the file was going to be.
    res.removeHeader('Content-Disposition');
    if (httpError.status === 416) {
      res.status(416).set('Content-Range', `bytes */${(httpError.details as { size: number }).size}`).end();
      return;
    }
    const retryAfter = (httpError.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (httpError.status === 429 && typeof retryAfter === 'number') res.set('Retry-After', String(retryAfter));
    res.status(httpError.status).type('application/json').json(body);
  };
}

/** Errors raised by express' own body parsers carry a status and a type; map them to the contract. */
function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  const e = err as { type?: string; status?: number; name?: string };
  if (e?.type === 'entity.too.large') return tooLarge('The JSON body is over the size limit.');
  if (e?.type === 'entity.parse.failed') return invalidRequest('The body is not valid JSON.', { body: 'malformed JSON' });
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new HttpError(415, 'unsupported_type', 'Unsupported body encoding.');
  }
  if (e?.name === 'StorageUnavailableError') return storageUnavailable();
  return undefined;
}
