import type { Request } from 'express';
import { receiveUpload, type StoredFile, type UploadOptions } from './multipart-upload.js';
import { receiveFileInMemory } from './buffered-upload.js';

/**
 * An upload not yet received, as a service gets it: the service decides where the file goes and
 * how large it may be, the router alone holds the request. Services never see express.
 */
export interface IncomingUpload {
  /** Streams the multipart file into the store (see receiveUpload) and returns it with the form fields. */
  toStore(opts: UploadOptions): Promise<{ fields: Record<string, string>; file: StoredFile | null }>;
  /** Reads the multipart file into memory, refusing more than `maxBytes` (see receiveFileInMemory). */
  inMemory(maxBytes: number): Promise<{ data: Buffer; fileName: string }>;
}

export const incomingUpload = (req: Request): IncomingUpload => ({
  toStore: (opts) => receiveUpload(req, opts),
  inMemory: (maxBytes) => receiveFileInMemory(req, maxBytes),
});
