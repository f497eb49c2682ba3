import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { StampedDelivery } from './service.js';

/** The strong validator of one delivery: its bytes never change, and no other delivery has them. */
export const deliveryEtag = (downloadId: string) => `"${downloadId}"`;

/**
 * The Range header to honour, if any (RFC 9110 §13.1.5). With If-Range, only when it is the ETag of
 * the very delivery the request resumes (`?download=`): a browser resuming with a validator of
 * anything else (another delivery's ETag, a date: Gatehouse sends no Last-Modified) would otherwise
 * get the rest of a new stamped copy spliced onto the start of an old one. A new delivery has a
 * fresh id, so no If-Range can name it: it goes out whole.
 */
export function honouredRange(req: Request, resumedDownloadId: string | undefined): string | undefined {
  const range = req.headers.range;
  const ifRange = req.get('if-range');
  if (!range || ifRange === undefined) return range;
  return resumedDownloadId !== undefined && ifRange.trim() === deliveryEtag(resumedDownloadId) ? range : undefined;
}

/**
 * Sends a delivery whole or, for a single byte range (pdf.js fetches PDFs in ranges), that part
 * with 206. The download was recorded before this is called; a range request that names it
 * (`?download=<X-Download-Id>`) gets bytes of the same stamped copy. `range` is the Range header
 * as honouredRange() judged it.
 */
export async function sendDelivery(req: Request, res: Response, delivery: StampedDelivery, range: string | undefined): Promise<void> {
  let bytes: { start: number; end: number } | undefined;
  if (delivery.ranges) {
    res.set('Accept-Ranges', 'bytes');
    res.set('ETag', deliveryEtag(delivery.downloadId));
    const parsed = range ? req.range(delivery.size, { combine: true }) : undefined;
    if (parsed === -1) {
      res.status(416).set('Content-Range', `bytes */${delivery.size}`).end();
      return;
    }
    // A malformed header (-2) or several ranges: the whole file, as RFC 9110 allows.
    if (Array.isArray(parsed) && parsed.type === 'bytes' && parsed.length === 1) bytes = parsed[0];
  }
  const body = await delivery.open(bytes);
  if (bytes) {
    res.status(206).set('Content-Range', `bytes ${bytes.start}-${bytes.end}/${delivery.size}`);
    res.set('Content-Length', String(bytes.end - bytes.start + 1));
  } else {
    res.set('Content-Length', String(delivery.size));
  }
  // A client that goes away ends the pipeline; the stored object's stream is closed with it.
  await pipeline(body, res).catch(() => undefined);
}
