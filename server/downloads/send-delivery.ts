import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { StampedDelivery } from './service.js';

/**
 * Sends a delivery whole or, for a single byte range (pdf.js fetches PDFs in ranges), that part
 * with 206. The download was recorded before this is called; a range request that names it
 * (`?download=<X-Download-Id>`) gets bytes of the same stamped copy.
 */
export async function sendDelivery(req: Request, res: Response, delivery: StampedDelivery): Promise<void> {
  let range: { start: number; end: number } | undefined;
  if (delivery.ranges) {
    res.set('Accept-Ranges', 'bytes');
    const parsed = req.headers.range ? req.range(delivery.size, { combine: true }) : undefined;
    if (parsed === -1) {
      res.status(416).set('Content-Range', `bytes */${delivery.size}`).end();
      return;
    }
    // A malformed header (-2) or several ranges: the whole file, as RFC 9110 allows.
    if (Array.isArray(parsed) && parsed.type === 'bytes' && parsed.length === 1) range = parsed[0];
  }
  const body = await delivery.open(range);
  if (range) {
    res.status(206).set('Content-Range', `bytes ${range.start}-${range.end}/${delivery.size}`);
    res.set('Content-Length', String(range.end - range.start + 1));
  } else {
    res.set('Content-Length', String(delivery.size));
  }
  // A client that goes away ends the pipeline; the stored object's stream is closed with it.
  await pipeline(body, res).catch(() => undefined);
}
