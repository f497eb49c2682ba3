import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import busboy from 'busboy';
import type { Request } from 'express';
import type { ObjectStore, PutResult } from '../../storage/object-store.js';
import { HttpError, invalidRequest, tooLarge, unsupportedType } from '../errors.js';
import { SNIFF_BYTES, sniffType } from './sniff-type.js';
import { fileNameMetadata } from '../security/file-name-metadata.js';

export interface StoredFile {
  objectKey: string;
  size: number;
  sha256: string;
  mimeType: string;
  /** The name the client gave: metadata only, never a path. */
  fileName: string;
}

export interface UploadOptions {
  store: ObjectStore;
  maxBytes: number;
  keyPrefix: string;
  acceptedTypes: Set<string>;
}

const MAX_FIELD_BYTES = 64 * 1024;

/**
 * Streams a multipart upload's `file` straight into the object store — never the whole file in
 * memory — sniffing its type from the first bytes on the way, and collects the plain form fields.
 * On any failure the stored object is deleted, so nothing half-written remains.
 * The caller owns the stored object afterwards: if its own validation fails it must delete it.
 */
export async function receiveUpload(req: Request, opts: UploadOptions): Promise<{ fields: Record<string, string>; file: StoredFile | null }> {
  if (!req.is('multipart/form-data')) throw unsupportedType('Send multipart/form-data with the file in the field "file".');
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      limits: { fileSize: opts.maxBytes, files: 1, fields: 50, parts: 51, fieldSize: MAX_FIELD_BYTES },
      // Browsers send file names as raw UTF-8; busboy's default (latin1) would garble every non-ASCII name.
      defParamCharset: 'utf8',
    });
  } catch {
    throw invalidRequest('Malformed multipart request.', { body: 'malformed multipart' });
  }

  const fields: Record<string, string> = {};
  const state: { stored: Promise<StoredFile> | null; failure: HttpError | null } = { stored: null, failure: null };
  const fail = (e: HttpError) => (state.failure ??= e);

  bb.on('field', (name, value, info) => {
    if (info.valueTruncated) fail(invalidRequest(`Field "${name}" is too long.`, { [name]: `at most ${MAX_FIELD_BYTES} bytes` }));
    else if (value.includes('\u0000') || name.includes('\u0000')) fail(invalidRequest('A form field contains a NUL character.', { [name.replace(/\u0000/g, '')]: 'contains a NUL character' }));
    else fields[name] = value;
  });
  bb.on('file', (name, stream, info) => {
    if (name !== 'file' || state.stored) {
      stream.resume();
      fail(invalidRequest('Send exactly one file, in the field "file".', { [name]: 'unexpected file field' }));
      return;
    }
    state.stored = storeFile(stream, info.filename ?? '', opts);
    state.stored.catch(() => undefined); // awaited below; never an unhandled rejection
  });
  bb.on('filesLimit', () => fail(invalidRequest('Send exactly one file.', { file: 'one file only' })));
  bb.on('fieldsLimit', () => fail(tooLarge('Too many form fields.')));
  bb.on('partsLimit', () => fail(tooLarge('Too many form parts.')));

  const finished = new Promise<void>((resolve, reject) => {
    bb.on('close', resolve);
    bb.on('error', () => reject(invalidRequest('Malformed multipart request.', { body: 'malformed multipart' })));
    req.on('error', reject);
  });
  req.pipe(bb);

  let file: StoredFile | null;
  try {
    await finished;
    file = state.stored ? await state.stored : null;
  } catch (err) {
    req.unpipe(bb);
    req.resume(); // drain the rest so the client reads our answer rather than a reset
    await state.stored?.then((f) => opts.store.delete(f.objectKey)).catch(() => undefined);
    throw err;
  }
  if (state.failure) {
    if (file) await opts.store.delete(file.objectKey).catch(() => undefined);
    throw state.failure;
  }
  return { fields, file };
}

async function storeFile(stream: Readable, fileName: string, opts: UploadOptions): Promise<StoredFile> {
  const objectKey = `${opts.keyPrefix}/${randomUUID()}`;
  const body = new PassThrough();
  const state: { put: Promise<PutResult> | null; mimeType: string | null; truncated: boolean } = { put: null, mimeType: null, truncated: false };
  stream.on('limit', () => (state.truncated = true));

  const start = async (head: Buffer) => {
    if (head.length === 0) throw invalidRequest('The file is empty.', { file: 'empty' });
    const mimeType = await sniffType(head, fileName);
    if (!mimeType || !opts.acceptedTypes.has(mimeType)) {
      throw unsupportedType(`Files of type ${mimeType ?? 'unknown'} are not accepted here.`);
    }
    state.mimeType = mimeType;
    const put = opts.store.put(objectKey, body);
    put.catch(() => undefined);
    state.put = put;
    await write(head);
  };
  const write = async (chunk: Buffer) => {
    if (!body.write(chunk)) await Promise.race([once(body, 'drain'), state.put]);
  };

  try {
    const head: Buffer[] = [];
    let headBytes = 0;
    // Leaving the loop early (a refused type, a store error) must not destroy the file stream: busboy
    // waits for it to be read to the end, so a destroyed one would leave the request without an answer.
    // The catch below resumes it instead, draining the rest.
    for await (const chunk of stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      if (state.mimeType) {
        await write(chunk);
        continue;
      }
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes >= SNIFF_BYTES) await start(Buffer.concat(head));
    }
    if (state.truncated) throw tooLarge(`The file is over the ${opts.maxBytes}-byte limit.`);
    if (!state.mimeType) await start(Buffer.concat(head));
    body.end();
    const result = await state.put!;
    return { objectKey, size: result.size, sha256: result.sha256, mimeType: state.mimeType!, fileName: fileNameMetadata(fileName) };
  } catch (err) {
    stream.resume();
    // Only a body the store is reading has a listener for the error; an unread one just closes.
    if (state.put) body.destroy(err as Error);
    else body.destroy();
    await state.put?.catch(() => undefined);
    await opts.store.delete(objectKey).catch(() => undefined);
    throw err;
  }
}
