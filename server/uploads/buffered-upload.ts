import busboy from 'busboy';
import type { Request } from 'express';
import { invalidRequest, tooLarge, unsupportedType } from '../errors.js';

/**
 * Reads a multipart upload's `file` into memory, up to `maxBytes`. Only for files that must be
 * analysed whole and are never stored (a leaked copy handed in for tracing); documents stream to the
 * store instead.
 */
export async function receiveFileInMemory(req: Request, maxBytes: number): Promise<{ data: Buffer; fileName: string }> {
  if (!req.is('multipart/form-data')) throw unsupportedType('Send multipart/form-data with the file in the field "file".');
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 10, parts: 11 } });
  } catch {
    throw invalidRequest('Malformed multipart request.', { body: 'malformed multipart' });
  }
  return new Promise((resolve, reject) => {
    let result: { data: Buffer; fileName: string } | null = null;
    let failure: Error | null = null;
    bb.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        failure ??= invalidRequest('Send the file in the field "file".', { [name]: 'unexpected file field' });
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => (failure ??= tooLarge(`The file is over the ${maxBytes}-byte limit.`)));
      stream.on('end', () => (result = { data: Buffer.concat(chunks), fileName: info.filename ?? '' }));
    });
    bb.on('close', () => {
      if (failure) return reject(failure);
      if (!result || result.data.length === 0) return reject(invalidRequest('The file is missing.', { file: 'required' }));
      resolve(result);
    });
    bb.on('error', () => {
      req.unpipe(bb);
      req.resume();
      reject(invalidRequest('Malformed multipart request.', { body: 'malformed multipart' }));
    });
    req.pipe(bb);
  });
}
