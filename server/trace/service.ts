import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../audit/record.js';
import { HttpError } from '../errors.js';
import { receiveFileInMemory } from '../uploads/buffered-upload.js';
import { sniffType, IMAGE_TYPES } from '../uploads/sniff-type.js';
import { readDownloadIdsFromImage, readDownloadIdsFromPdf } from '../watermark/read-stamp.js';
import { isDownloadId } from '../downloads/download-id.js';

// A leaked copy is analysed whole; bound it well below the upload cap.
const MAX_TRACE_BYTES = 200 * 1024 * 1024;

export interface TraceResult {
  match: 'exact' | 'watermark';
  download: {
    id: string;
    documentId: string;
    versionId: string;
    at: string;
    ip: string | null;
    userId: string;
    userEmail: string;
    userName: string;
    orgId: string;
    orgName: string;
  };
}

const downloadsOfRoom = (ctx: ServiceContext, roomId: string) =>
  ctx.db('downloads as d')
    .join('users as u', 'u.id', 'd.userId')
    .join('orgs as o', 'o.id', 'd.orgId')
    .where('d.roomId', roomId)
    .select('d.id', 'd.documentId', 'd.versionId', 'd.at', 'd.ip', 'd.userId', 'u.email as userEmail', 'u.name as userName', 'd.orgId', 'o.name as orgName');

/**
 * A stamped PDF is sent as the stored rendition plus a tail; its exact bytes are recorded as the
 * two hashes rather than one over the whole file, which would cost a second pass over every byte
 * of every download.
 */
async function exactIncrementalDelivery(ctx: ServiceContext, roomId: string, data: Buffer) {
  const candidates: Array<{ id: string; tailSha256: string; tailSize: number; baseSha256: string }> = await ctx.db('downloads as d')
    .join('stampRenditions as r', 'r.versionId', 'd.versionId')
    .where('d.roomId', roomId)
    .where('d.size', data.length)
    .whereNotNull('d.tailSha256')
    .select('d.id', 'd.tailSha256', 'd.tailSize', 'r.sha256 as baseSha256');
  const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  for (const c of candidates) {
    const cut = data.length - Number(c.tailSize);
    if (cut > 0 && hash(data.subarray(cut)) === c.tailSha256 && hash(data.subarray(0, cut)) === c.baseSha256) {
      return downloadsOfRoom(ctx, roomId).where('d.id', c.id).first();
    }
  }
  return undefined;
}

/**
 * Names the delivery a leaked copy came from: first by its exact bytes (every delivery's SHA-256 is
 * recorded), then by a download id read back from the stamp. Only this room's deliveries are
 * searched, so a trace never reveals another room's.
 */
export async function traceLeak(ctx: ServiceContext, roomId: string, req: Request): Promise<TraceResult> {
  const room = await findVisibleRoom(ctx, roomId, 'trace');
  await assertAllowed(ctx, 'oversee', 'Room', room, { event: 'trace', roomId, subjectId: roomId, reason: 'managers and counsel only' });
  const { data } = await receiveFileInMemory(req, Math.min(MAX_TRACE_BYTES, ctx.config.maxUploadBytes));
  const sha256 = createHash('sha256').update(data).digest('hex');

  let match: TraceResult['match'] = 'exact';
  let download = (await downloadsOfRoom(ctx, roomId).where('d.sha256', sha256).orderBy('d.at').first()) ?? (await exactIncrementalDelivery(ctx, roomId, data));
  if (!download) {
    match = 'watermark';
    const type = await sniffType(data.subarray(0, 4100), undefined);
    const candidates = type === 'application/pdf' ? await readDownloadIdsFromPdf(data) : type && IMAGE_TYPES.has(type) ? await readDownloadIdsFromImage(data) : [];
    const ids = candidates.filter(isDownloadId);
    if (ids.length) {
      const found = await downloadsOfRoom(ctx, roomId).whereIn('d.id', ids);
      // The reader lists its candidates most confident first; keep that order.
      download = ids.map((id) => found.find((f: { id: string }) => f.id === id)).find(Boolean);
    }
  }
  await recordAllowed(ctx.db, ctx, {
    action: 'trace',
    subjectType: 'Room',
    subjectId: roomId,
    roomId,
    details: { sha256, size: data.length, result: download ? { downloadId: download.id, match } : null },
  });
  if (!download) throw new HttpError(404, 'not_traced', 'No delivery from this room matches the file.');
  return { match, download };
}
