import type { Response } from 'superagent';

/** A supertest parser that keeps the body as raw bytes, whatever its content type. */
export function binary(res: Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}
