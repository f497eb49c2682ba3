import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ServiceContext } from '../service-context.js';
import type { ByteRange } from '../../storage/object-store.js';
import { recordAllowed } from '../ledger/record.js';
import { conflict, denied, HttpError, invalidRequest, notFound, rangeNotSatisfiable, unprocessable } from '../errors.js';
import type { RoomRow } from '../policy/room-gate.js';
import { IMAGE_TYPES } from '../uploads/sniff-type.js';
import { buildStampTail } from '../watermark/stamp-pdf.js';
import { stampImage } from '../watermark/stamp-image.js';
import { UnstampableError } from '../watermark/errors.js';
import type { StampFields } from '../watermark/stamp-fields.js';
import { needsRendition, prepareRendition, unstampableRendition } from '../pdf-intake/intake.js';
import { findRendition, insertRendition, replaceOutdatedRendition, type RenditionRow } from '../pdf-intake/rendition-repository.js';
import { INDEX_FORMAT } from '../watermark/stamp-index.js';
import { newDownloadId } from '../watermark/download-id.js';
import { insertDownload, lockedDocumentRow, type DownloadRow } from './repository.js';
import { asSubject } from '../policy/ability.js';
import type { Db } from '../db.js';
import { loadStampIndex } from './stamp-index-cache.js';
import { stampedBody } from './delivery-body.js';
import type { DocumentView } from '../documents/repository.js';

export interface StampedDelivery {
  downloadId: string;
  mimeType: string;
  /** Bytes of the whole delivery. */
  size: number;
  /** Whether byte ranges of this delivery can be served (and resumed by its download id). */
  ranges: boolean;
  /** The delivery's bytes, or the inclusive range of them. */
  open(range?: ByteRange): Promise<Readable> | Readable;
}

/** How long after it started a download's ranges may still be fetched. */
const RESUME_WINDOW_MS = 12 * 60 * 60 * 1000;

/** The stamp text as fixed at the start of a download, kept so a later range gets the same tail. */
type StampSnapshot = Omit<StampFields, 'at' | 'downloadId'>;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The NDAs that cover the caller for this document now: recorded with the delivery for the disclosure register. */
const coveringNdaIds = (ctx: ServiceContext, doc: DocumentView) =>
  ctx.facts.memberships.find((m) => m.roomId === doc.roomId)?.coverage.get(doc.entityId) ?? [];

interface DeliveryRecord {
  kind: DownloadRow['kind'];
  id: string;
  /** SHA-256 of the whole file sent, when it was hashed whole. */
  sha256: string | null;
  size: number;
  /** The Range header the delivery began with, if any: the ledger says which bytes left first. */
  range?: string;
  /** For a PDF delivery: the rendition's base it began with, what followed it, and the text stamped. */
  tail?: { sha256: string; size: number; baseSha256: string; fields: StampSnapshot };
}

/**
 * Asked again inside the transaction that records a delivery, on the document as committed now: a
 * delete, withdrawal, move or reclassification that landed since the request's first check wins, and
 * the delivery is refused like a document that does not exist — before a byte leaves and before the
 * download is recorded. Held until commit, so a delete that comes after sees the delivery (409).
 */
export async function assertStillDeliverable(trx: Db, ctx: ServiceContext, doc: DocumentView, level: 'view' | 'download' | 'original'): Promise<void> {
  const now = await lockedDocumentRow(trx, doc.id);
  if (now && ctx.ability.can(level, asSubject('Document', { ...doc, ...now }))) return;
  throw denied({ action: `document.${level}`, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, reason: 'document changed or removed during the request' }, notFound());
}

async function recordDelivery(ctx: ServiceContext, doc: DocumentView, r: DeliveryRecord) {
  const ndaIds = coveringNdaIds(ctx, doc);
  const row: DownloadRow = {
    id: r.id,
    roomId: doc.roomId,
    documentId: doc.id,
    versionId: doc.currentVersionId,
    userId: ctx.actor.id,
    orgId: ctx.actor.orgId,
    kind: r.kind,
    at: ctx.at,
    ip: ctx.client.ip,
    userAgent: ctx.client.userAgent,
    sha256: r.sha256,
    size: r.size,
    ndaIds: JSON.stringify(ndaIds),
    baseSha256: r.tail?.baseSha256 ?? null,
    tailSha256: r.tail?.sha256 ?? null,
    tailSize: r.tail?.size ?? null,
    stampFields: r.tail ? JSON.stringify(r.tail.fields) : null,
  };
  await ctx.db.transaction(async (trx) => {
    await assertStillDeliverable(trx, ctx, doc, r.kind);
    await insertDownload(trx, row);
    await recordAllowed(trx, ctx, {
      action: `document.${r.kind}`,
      subjectType: 'Document',
      subjectId: doc.id,
      roomId: doc.roomId,
      details: {
        downloadId: r.id,
        versionId: doc.currentVersionId,
        documentSha256: doc.sha256,
        sentSha256: r.sha256 ?? undefined,
        // A PDF delivery is identified exactly by its base's hash and its tail's.
        sentBaseSha256: r.tail?.baseSha256,
        sentTailSha256: r.tail?.sha256,
        size: r.size,
        range: r.range?.slice(0, 100),
        ndaIds,
      },
    });
  });
}

/**
 * The rendition a version is stamped as. Versions stored before renditions existed get theirs on
 * first delivery, and so do versions whose rendition is of an older format (the format that began
 * with the stored upload itself); the row is then kept like one made at upload. Two requests
 * preparing the same version write the same keys with the same bytes: whichever row lands stands.
 */
async function renditionOf(ctx: ServiceContext, versionId: string, doc: DocumentView): Promise<RenditionRow> {
  const found = await findRendition(ctx.db, versionId);
  if (found && found.format === INDEX_FORMAT) return found;
  let prepared;
  try {
    prepared = await prepareRendition(ctx.store, { objectKey: doc.objectKey, size: Number(doc.size), sha256: doc.sha256, mimeType: doc.mimeType }, { budget: ctx.config.intake });
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    prepared = unstampableRendition(err.code, err.message, ctx.at);
  }
  const { derivedKeys: _keys, ...row } = prepared!;
  const rendition: RenditionRow = { versionId, ...row };
  if (found) {
    if (await replaceOutdatedRendition(ctx.db, rendition, found.format)) {
      // The outdated copies (a repaired or decrypted whole PDF among them) are no longer referenced.
      const outdated = [found.objectKey, found.indexKey].filter((k): k is string => Boolean(k) && k !== doc.objectKey);
      await Promise.all(outdated.map((k) => ctx.store.delete(k).catch(() => undefined)));
      return rendition;
    }
    return (await findRendition(ctx.db, versionId)) ?? rendition;
  }
  try {
    await insertRendition(ctx.db, rendition);
  } catch {
    // Another request prepared it at the same time: theirs stands.
    return (await findRendition(ctx.db, versionId)) ?? rendition;
  }
  return rendition;
}

/**
 * A stamped copy for one delivery: the download id and the time are fixed first, stamped into every
 * page, and the delivery is recorded before any byte leaves. A type that cannot be stamped is
 * refused — never sent unstamped.
 *
 * `resume` continues a download already started (a viewer fetching byte ranges): it must be the
 * caller's own download of this document, of the same kind, recent; it then gets the very same
 * bytes, tail included. Access is still decided afresh by the caller of this function.
 */
export async function deliverStamped(
  ctx: ServiceContext,
  room: RoomRow,
  doc: DocumentView,
  kind: 'view' | 'download',
  opts: { resume?: string; range?: string; rangeFits?: (size: number) => boolean } = {},
): Promise<StampedDelivery> {
  const refuse = (reason: string, message?: string) =>
    denied(
      { action: `document.${kind}`, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, reason: `unstampable: ${reason}` },
      unprocessable('unstampable', `This file cannot be watermarked (${message ?? reason}), so it cannot be delivered below level original.`),
    );

  // A range past the end sends nothing: it is refused before anything is recorded as delivered.
  const assertRangeFits = async (action: string, size: number) => {
    if (!opts.range || !opts.rangeFits || opts.rangeFits(size)) return;
    throw denied({ action, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, reason: 'range not satisfiable', details: { range: opts.range.slice(0, 100), size } },
      rangeNotSatisfiable(size),
    );
  };
  if (opts.resume) return resumeDelivery(ctx, doc, kind, opts.resume, opts.range, refuse, assertRangeFits);
  return deletedMeansNotFound(ctx, doc, kind, () => stampNewDelivery(ctx, room, doc, kind, opts, refuse, assertRangeFits));
}

/**
 * A delivery that fails because the document was deleted meanwhile (its rows, then its files: a
 * stored file missing, a rendition row refused by its foreign key) is refused like a document that
 * does not exist. Any other failure stays what it is (a store fault, a refusal).
 */
async function deletedMeansNotFound<T>(ctx: ServiceContext, doc: DocumentView, kind: string, make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (err) {
    if (err instanceof HttpError || (await ctx.db('documents').where({ id: doc.id }).first('id'))) throw err;
    throw denied({ action: `document.${kind}`, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, reason: 'document deleted during the request' }, notFound());
  }
}

async function stampNewDelivery(
  ctx: ServiceContext,
  room: RoomRow,
  doc: DocumentView,
  kind: 'view' | 'download',
  opts: { range?: string },
  refuse: (reason: string, message?: string) => HttpError,
  assertRangeFits: (action: string, size: number) => Promise<void>,
): Promise<StampedDelivery> {
  const downloadId = newDownloadId();
  const snapshot: StampSnapshot = {
    codeName: room.codeName ?? room.name,
    userName: ctx.actor.name,
    userEmail: ctx.actor.email,
    orgName: (await ctx.db('orgs').where({ id: ctx.actor.orgId }).first('name'))?.name ?? '',
  };
  const fields: StampFields = { ...snapshot, at: new Date(ctx.at), downloadId };

  if (needsRendition(doc.mimeType)) {
    const rendition = await renditionOf(ctx, doc.currentVersionId, doc);
    if (rendition.status !== 'ready') throw refuse(rendition.reason ?? 'unknown', rendition.message ?? undefined);
    const index = await loadStampIndex(ctx.store, rendition.indexKey!);
    const tail = await buildStampTail(index, fields);
    const size = index.size + tail.bytes.length;
    await assertRangeFits(`document.${kind}`, size);
    await recordDelivery(ctx, doc, {
      kind,
      id: downloadId,
      sha256: null,
      size,
      range: opts.range,
      tail: { sha256: tail.sha256, size: tail.bytes.length, baseSha256: rendition.sha256!, fields: snapshot },
    });
    return { downloadId, mimeType: 'application/pdf', size, ranges: true, open: (range) => stampedBody(ctx.store, rendition.objectKey!, index.size, tail.bytes, range) };
  }

  if (!IMAGE_TYPES.has(doc.mimeType)) throw refuse(`${doc.mimeType} files are not stamped`);
  let data: Buffer;
  let mimeType: string;
  try {
    // Stamping decodes the whole image: at most so many at once per user and in all, and the image
    // is read only once a slot is granted, so a waiting request holds no pixels.
    const stamped = await ctx.imageStampSlots.run(ctx.actor.id, async () => stampImage(await readAll(await ctx.store.get(doc.objectKey)), doc.mimeType, fields));
    data = Buffer.from(stamped.data);
    mimeType = stamped.mimeType;
  } catch (err) {
    if (err instanceof UnstampableError) throw refuse(err.reason, err.message);
    throw err;
  }
  const sha256 = createHash('sha256').update(data).digest('hex');
  await recordDelivery(ctx, doc, { kind, id: downloadId, sha256, size: data.length });
  return { downloadId, mimeType, size: data.length, ranges: false, open: () => Readable.from([data]) };
}

async function resumeDelivery(
  ctx: ServiceContext,
  doc: DocumentView,
  kind: 'view' | 'download',
  downloadId: string,
  range: string | undefined,
  refuse: (reason: string, message?: string) => HttpError,
  assertRangeFits: (action: string, size: number) => Promise<void>,
): Promise<StampedDelivery> {
  const row: (DownloadRow & { tailSha256: string | null; stampFields: string | null }) | undefined = await ctx.db('downloads')
    .where({ id: downloadId, userId: ctx.actor.id, documentId: doc.id, kind })
    .first();
  // Someone else's id, another document's, a forged one or an expired one: all read the same.
  if (!row || !row.stampFields || !row.tailSha256 || Date.parse(ctx.at) - Date.parse(row.at) > RESUME_WINDOW_MS) {
    throw denied({ action: `document.${kind}.resume`, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, reason: 'no such recent download of this document by the caller', details: { downloadId } },
      invalidRequest('This download cannot be resumed; start a new one.', { download: 'not a recent download of this document by you' }),
    );
  }
  const rendition = await findRendition(ctx.db, row.versionId);
  if (rendition?.status !== 'ready') throw refuse(rendition?.reason ?? 'unknown', rendition?.message ?? undefined);
  // Ranges continue the very bytes the download began with; a rendition made since cannot give them.
  if (rendition.sha256 !== row.baseSha256) throw conflict('download_changed', 'This download can no longer be resumed identically; start a new one.');
  // Nor does a download outlive the version it delivered, or a withdrawal: a document published
  // (again) since the download began is a new disclosure, taken as a new download of what is current.
  if (row.versionId !== doc.currentVersionId || (doc.publishedAt !== null && doc.publishedAt > row.at)) {
    throw denied(
      { action: `document.${kind}.resume`, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, reason: 'the document changed since the download began', details: { downloadId } },
      conflict('download_changed', 'This document has changed since the download began; start a new one.'),
    );
  }
  const index = await loadStampIndex(ctx.store, rendition.indexKey!);
  const fields: StampFields = { ...(JSON.parse(row.stampFields) as StampSnapshot), at: new Date(row.at), downloadId };
  const tail = await buildStampTail(index, fields);
  if (tail.sha256 !== row.tailSha256) {
    // Only a change of the server's stamp fonts or code between the ranges can do this.
    throw conflict('download_changed', 'This download can no longer be resumed identically; start a new one.');
  }
  const size = index.size + tail.bytes.length;
  await assertRangeFits(`document.${kind}.resume`, size);
  await recordAllowed(ctx.db, ctx, {
    action: `document.${kind}.resume`,
    subjectType: 'Document',
    subjectId: doc.id,
    roomId: doc.roomId,
    // Every part of a delivery that leaves is on the record, with which bytes it was.
    details: { downloadId, versionId: row.versionId, range: range?.slice(0, 100) ?? null },
  });
  return { downloadId, mimeType: 'application/pdf', size, ranges: true, open: (range) => stampedBody(ctx.store, rendition.objectKey!, index.size, tail.bytes, range) };
}

/** The unstamped stored bytes: their hash is the version's own. */
export async function deliverOriginal(ctx: ServiceContext, doc: DocumentView): Promise<{ downloadId: string; stream: Readable }> {
  const stream = await ctx.store.get(doc.objectKey);
  const downloadId = newDownloadId();
  try {
    await recordDelivery(ctx, doc, { kind: 'original', id: downloadId, sha256: doc.sha256, size: Number(doc.size) });
  } catch (err) {
    stream.destroy();
    throw err;
  }
  return { downloadId, stream };
}
