export type UnstampableReason =
  | 'encrypted'
  | 'unparseable'
  | 'no_pages'
  | 'unsupported_image'
  | 'unreadable_image'
  | 'image_too_large'
  /** Over the limits on objects, pages, nesting or parse time that bound what a hostile file costs. */
  | 'too_complex'
  /** Opening the PDF needs a user password. */
  | 'password_required'
  /** No converter to PDF is installed, or it failed on this file. */
  | 'not_converted';

/**
 * A file that cannot carry a stamp. The delivery path must refuse it (4xx) rather than send the
 * bytes unstamped, so the stampers throw this instead of ever returning their input.
 */
export class UnstampableError extends Error {
  constructor(
    readonly reason: UnstampableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UnstampableError';
  }
}
