import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ObjectStore } from '../../storage/object-store.js';
import { isoNow } from '../clock.js';
import { unprocessable } from '../errors.js';
import { UnstampableError } from '../watermark/errors.js';
import { CONVERTIBLE_TYPES, convertToPdf } from './office-conversion.js';
import { scanEarlierRevisions } from './earlier-revisions.js';
import { INDEX_FORMAT } from './pdf-stamp-index.js';
import { preparePdf } from './prepare-pdf.js';
import type { RenditionRow } from './rendition-repository.js';

/** What an upload stored; the rendition is derived from it. */
export interface StoredVersionFile {
  objectKey: string;
  size: number;
  sha256: string;
  mimeType: string;
}

export type PreparedRendition = Omit<RenditionRow, 'versionId'> & {
  /** Objects written beside the version, to remove if the upload is rolled back. */
  derivedKeys: string[];
};

/** Whether files of this type are delivered through a stamped PDF rendition (images are not). */
export const needsRendition = (mimeType: string) => mimeType === 'application/pdf' || CONVERTIBLE_TYPES.has(mimeType);

/** Where a version's rendition lives: beside the upload, under a name that says which format it is. */
export const renditionKeys = (uploadKey: string) => ({
  base: `${uploadKey}.rendition-v${INDEX_FORMAT}.pdf`,
  index: `${uploadKey}.rendition-v${INDEX_FORMAT}.json`,
});

/**
 * The upload-time step of stamped delivery: read the stored PDF once (or convert the document to
 * PDF once) and keep what the stamper needs beside the version — the page-less base every delivery
 * starts with, and the index its tail is built from. The stored upload itself is never sent below
 * level original.
 *
 * A PDF that cannot be stamped is refused here with 422 (the person uploading can fix it); a
 * document that cannot be converted is kept, since the native file is still deliverable at level
 * original, and its stamped delivery answers 422 unstampable with the reason recorded here.
 */
export async function prepareRendition(store: ObjectStore, file: StoredVersionFile, opts: { soffice?: string } = {}): Promise<PreparedRendition | null> {
  if (!needsRendition(file.mimeType)) return null;
  const isPdf = file.mimeType === 'application/pdf';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-intake-'));
  const derivedKeys: string[] = [];
  try {
    const input = path.join(dir, isPdf ? 'input.pdf' : `input${CONVERTIBLE_TYPES.get(file.mimeType)}`);
    await pipeline(await store.get(file.objectKey), createWriteStream(input));
    const pdfPath = isPdf ? input : await convertToPdf(input, dir, opts.soffice);
    const prepared = await preparePdf(pdfPath, dir, isPdf ? file.sha256 : undefined);
    const revisions = isPdf ? await scanEarlierRevisions(input) : { count: 0, prefixes: [] };

    const keys = renditionKeys(file.objectKey);
    derivedKeys.push(keys.base);
    const stored = await store.put(keys.base, createReadStream(prepared.basePath));
    derivedKeys.push(keys.index);
    await store.put(keys.index, Readable.from([Buffer.from(JSON.stringify(prepared.index))]));
    return {
      status: 'ready',
      format: INDEX_FORMAT,
      source: isPdf ? prepared.source : 'converted',
      reason: null,
      message: null,
      objectKey: keys.base,
      size: prepared.size,
      sha256: stored.sha256,
      indexKey: keys.index,
      earlierRevisions: revisions.count,
      removed: JSON.stringify(prepared.removed),
      revisionPrefixes: revisions.prefixes.length ? JSON.stringify(revisions.prefixes) : null,
      createdAt: isoNow(),
      derivedKeys,
    };
  } catch (err) {
    await Promise.all(derivedKeys.map((k) => store.delete(k).catch(() => undefined)));
    if (!(err instanceof UnstampableError)) throw err;
    if (isPdf && err.reason === 'password_required') throw unprocessable('pdf_password_required', err.message);
    if (isPdf) throw unprocessable('unreadable_pdf', `${err.message} It cannot be watermarked, so it is not accepted.`);
    return unstampableRendition(err.reason, err.message, isoNow());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rendition of a version that cannot be stamped: why, and nothing stored. */
export const unstampableRendition = (reason: string, message: string, createdAt: string): PreparedRendition => ({
  status: 'unstampable',
  format: INDEX_FORMAT,
  source: null,
  reason,
  message,
  objectKey: null,
  size: null,
  sha256: null,
  indexKey: null,
  earlierRevisions: null,
  removed: null,
  revisionPrefixes: null,
  createdAt,
  derivedKeys: [],
});

/** Removes what prepareRendition stored, when the upload it belongs to does not commit. */
export async function discardRendition(store: ObjectStore, rendition: PreparedRendition | null): Promise<void> {
  if (rendition) await Promise.all(rendition.derivedKeys.map((k) => store.delete(k).catch(() => undefined)));
}
