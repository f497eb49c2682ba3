import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * The one error type the server throws on purpose: a code, an HTTP status, a message and optional
 * details. Anything else reaching the handler is a bug and answers a bare 500.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    // The underlying failure, for the log of a 5xx; never shown to the caller.
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const invalidRequest = (message: string, details?: unknown) =>
  new HttpError(400, 'invalid_request', message, details);
export const unauthenticated = () => new HttpError(401, 'unauthenticated', 'Sign in first.');
export const forbidden = (code = 'forbidden', message = 'You may not do this.') => new HttpError(403, code, message);
/** The one "not found": absent and hidden must be indistinguishable, so there is no other wording. */
export const notFound = () => new HttpError(404, 'not_found', 'Not found.');
export const conflict = (code: string, message: string) => new HttpError(409, code, message);
export const tooLarge = (message = 'The request is too large.') => new HttpError(413, 'too_large', message);
export const unsupportedType = (message: string) => new HttpError(415, 'unsupported_type', message);
export const unprocessable = (code: string, message: string) => new HttpError(422, code, message);
/** A Range past the end of the file; the handler answers with its size in Content-Range and no body (RFC 9110 §15.5.17). */
export const rangeNotSatisfiable = (size: number) => new HttpError(416, 'range_not_satisfiable', 'The range asked for is not in the file.', { size });
/** details.retryAfterSeconds, when the wait is known, is what the error handler puts in Retry-After. */
export const rateLimited = (message: string, details?: { retryAfterSeconds: number }) =>
  new HttpError(429, 'rate_limited', message, details);
export const storageUnavailable = () =>
  new HttpError(503, 'storage_unavailable', 'The document store is unavailable; try again shortly.');

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const httpError = toHttpError(err);
    if (!httpError) {
      logger.error({ err, reqId: req.id }, 'unhandled error');
      if (!res.headersSent) res.status(500).json({ error: { code: 'internal', message: 'Internal error.' } });
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
