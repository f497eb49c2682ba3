import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ServiceContext } from '../service-context.js';
import { recordAllowed, recordDenied } from '../audit/record.js';
import { unprocessable } from '../errors.js';
import type { RoomRow } from '../policy/room-gate.js';
import { IMAGE_TYPES } from '../uploads/sniff-type.js';
import { stampPdf } from '../watermark/stamp-pdf.js';
import { stampImage } from '../watermark/stamp-image.js';
import { UnstampableError } from '../watermark/errors.js';
import { newDownloadId } from './download-id.js';
import { insertDownload, type DownloadRow } from './repository.js';
import type { DocumentView } from '../documents/repository.js';

export interface StampedDelivery {
  downloadId: string;
  data: Buffer;
  mimeType: string;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The NDAs that cover the caller for this document now: recorded with the delivery for the disclosure register. */
const coveringNdaIds = (ctx: ServiceContext, doc: DocumentView) =>
  ctx.facts.memberships.find((m) => m.roomId === doc.roomId)?.coverage.get(doc.entityId) ?? [];

async function recordDelivery(ctx: ServiceContext, doc: DocumentView, kind: DownloadRow['kind'], id: string, sha256: string, size: number) {
  const ndaIds = coveringNdaIds(ctx, doc);
  const row: DownloadRow = {
    id,
    roomId: doc.roomId,
    documentId: doc.id,
    versionId: doc.currentVersionId,
    userId: ctx.actor.id,
    orgId: ctx.actor.orgId,
    kind,
    at: ctx.at,
    ip: ctx.client.ip,
    userAgent: ctx.client.userAgent,
    sha256,
    size,
    ndaIds: JSON.stringify(ndaIds),
  };
  await ctx.db.transaction(async (trx) => {
    await insertDownload(trx, row);
    await recordAllowed(trx, ctx, {
      action: `document.${kind}`,
      subjectType: 'Document',
      subjectId: doc.id,
      roomId: doc.roomId,
      details: { downloadId: id, versionId: doc.currentVersionId, documentSha256: doc.sha256, sentSha256: sha256, ndaIds },
    });
  });
}

/**
 * A stamped copy for one delivery: the download id and the time are fixed first, stamped into every
 * page, and the delivery (with the SHA-256 of the exact bytes sent) is recorded before any byte leaves.
 * A type that cannot be stamped is refused — never sent unstamped.
 */
export async function deliverStamped(ctx: ServiceContext, room: RoomRow, doc: DocumentView, kind: 'view' | 'download'): Promise<StampedDelivery> {
  const refuse = async (reason: string) =>
    recordDenied(
      ctx,
      { action: `document.${kind}`, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, reason: `unstampable: ${reason}` },
      unprocessable('unstampable', `This file cannot be watermarked (${reason}), so it cannot be delivered below level original.`),
    );
  const isPdf = doc.mimeType === 'application/pdf';
  if (!isPdf && !IMAGE_TYPES.has(doc.mimeType)) throw await refuse(`${doc.mimeType} files are not stamped yet`);

  const original = await readAll(await ctx.store.get(doc.objectKey));
  const downloadId = newDownloadId();
  const fields = {
    codeName: room.codeName ?? room.name,
    userName: ctx.actor.name,
    userEmail: ctx.actor.email,
    orgName: (await ctx.db('orgs').where({ id: ctx.actor.orgId }).first('name'))?.name ?? '',
    at: new Date(ctx.at),
    downloadId,
  };
  let data: Buffer;
  let mimeType = doc.mimeType;
  try {
    if (isPdf) data = Buffer.from(await stampPdf(original, fields));
    else {
      const stamped = await stampImage(original, doc.mimeType, fields);
      data = Buffer.from(stamped.data);
      mimeType = stamped.mimeType;
    }
  } catch (err) {
    if (err instanceof UnstampableError) throw await refuse(err.reason);
    throw err;
  }
  const sha256 = createHash('sha256').update(data).digest('hex');
  await recordDelivery(ctx, doc, kind, downloadId, sha256, data.length);
  return { downloadId, data, mimeType };
}

/** The unstamped stored bytes: their hash is the version's own. */
export async function deliverOriginal(ctx: ServiceContext, doc: DocumentView): Promise<{ downloadId: string; stream: Readable }> {
  const stream = await ctx.store.get(doc.objectKey);
  const downloadId = newDownloadId();
  try {
    await recordDelivery(ctx, doc, 'original', downloadId, doc.sha256, Number(doc.size));
  } catch (err) {
    stream.destroy();
    throw err;
  }
  return { downloadId, stream };
}
