import { createHash } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { HttpError } from '../errors.js';
import type { IncomingUpload } from '../uploads/incoming-upload.js';
import { sniffType, IMAGE_TYPES, SNIFF_BYTES } from '../uploads/sniff-type.js';
import { readStampEvidenceFromImage, readStampEvidenceFromPdf } from '../watermark/read-stamp.js';
import { isDownloadId } from '../watermark/download-id.js';
import { detectDatasetFormat } from '../datasets/read-dataset.js';
import { traceDataset, type DatasetTrace } from '../datasets/trace-dataset.js';
import { assertRoomContentKept } from '../purge/purged-content.js';

// A leaked copy is analysed whole; bound it well below the upload cap.
const MAX_TRACE_BYTES = 200 * 1024 * 1024;

export interface TracedDownload {
  id: string;
  documentId: string;
  versionId: string;
  kind: 'view' | 'download' | 'original';
  at: string;
  ip: string | null;
  userId: string;
  userEmail: string;
  userName: string;
  orgId: string;
  orgName: string;
}

/**
 * What a leaked copy tells. Only evidence that belongs to one delivery names one download: its
 * exact bytes, or a download id read back from its stamp. A copy without a stamp is only ever
 * "unstamped", with everyone who held those bytes: it may have come from any of them.
 */
export type TraceResult =
  | { match: 'exact' | 'watermark'; evidence: string; download: TracedDownload }
  | ({ match: 'fingerprint'; evidence: string; download: TracedDownload } & FalseMatchOdds & { rows: number })
  | ({
      match: 'party';
      evidence: string;
      party: { id: string; name: string };
      documentId: string;
      versionId: string;
      /** The party's deliveries the leak may have come from. */
      candidates: TracedDownload[];
      /** Distinct pseudonyms of the party in the leak. */
      pseudonyms: number;
    } & FalseMatchOdds)
  | {
      match: 'unstamped';
      evidence: string;
      copyOf: { what: UnstampedCopy; documentId: string; versionId: string };
      recipients: TracedDownload[];
    };

/**
 * How sure a statistical match is: the chance that it names the wrong delivery (or party), as a
 * number (0 once it is below the smallest double) and as its base-10 logarithm, which never underflows.
 */
export interface FalseMatchOdds {
  confidence: number;
  falseMatchProbability: number;
  log10FalseMatchProbability: number;
}

/**
 * - `stored_version`: the stored upload, as every `original` download (and the deal team) has it;
 * - `earlier_revision`: the stored upload cut after an earlier revision's %%EOF;
 * - `stamp_base`: the page-less base every stamped delivery of the version begins with (no pages).
 */
export type UnstampedCopy = 'stored_version' | 'earlier_revision' | 'stamp_base';

const UNSTAMPED_EVIDENCE: Record<UnstampedCopy, string> = {
  stored_version: "bytes identical to the stored version: an unstamped copy, as every 'original' download and the deal team hold it",
  earlier_revision: "bytes identical to the stored version cut after an earlier revision: an unstamped copy, from an 'original' download or the deal team",
  stamp_base: 'bytes identical to the part every stamped delivery of the version begins with, which holds no page: no delivery of its own',
};

const downloadsOfRoom = (ctx: ServiceContext, roomId: string) =>
  ctx.db('downloads as d')
    .join('users as u', 'u.id', 'd.userId')
    .join('orgs as o', 'o.id', 'd.orgId')
    .where('d.roomId', roomId)
    .select('d.id', 'd.documentId', 'd.versionId', 'd.kind', 'd.at', 'd.ip', 'd.userId', 'u.email as userEmail', 'u.name as userName', 'd.orgId', 'o.name as orgName');

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A stamped PDF is sent as the rendition's base plus a tail; its exact bytes are recorded as the
 * two hashes rather than one over the whole file, which would cost a second pass over every byte
 * of every download.
 */
async function exactPdfDelivery(ctx: ServiceContext, roomId: string, data: Buffer): Promise<TracedDownload | undefined> {
  const candidates: Array<{ id: string; tailSha256: string; tailSize: number; baseSha256: string | null }> = await ctx.db('downloads as d')
    .where('d.roomId', roomId)
    .where('d.size', data.length)
    .whereNotNull('d.tailSha256')
    .select('d.id', 'd.tailSha256', 'd.tailSize', 'd.baseSha256');
  for (const c of candidates) {
    const cut = data.length - Number(c.tailSize);
    if (cut > 0 && c.baseSha256 && sha256(data.subarray(cut)) === c.tailSha256 && sha256(data.subarray(0, cut)) === c.baseSha256) {
      return downloadsOfRoom(ctx, roomId).where('d.id', c.id).first();
    }
  }
  return undefined;
}

/** The room's stored bytes that carry no stamp and equal the copy: a version, an earlier revision of one, a base. */
async function unstampedCopyOf(ctx: ServiceContext, roomId: string, digest: string, size: number) {
  const versionsOfRoom = () => ctx.db('documentVersions as v').join('documents as doc', 'doc.id', 'v.documentId').where('doc.roomId', roomId);
  const version = await versionsOfRoom().where('v.sha256', digest).first('v.id', 'v.documentId');
  if (version) return { what: 'stored_version' as const, versionId: version.id as string, documentId: version.documentId as string };
  const base = await versionsOfRoom().join('stampRenditions as r', 'r.versionId', 'v.id').where('r.sha256', digest).first('v.id', 'v.documentId');
  if (base) return { what: 'stamp_base' as const, versionId: base.id as string, documentId: base.documentId as string };
  // Only uploads that had earlier revisions carry prefixes; a copy longer than the upload cannot be one.
  const withPrefixes: Array<{ id: string; documentId: string; revisionPrefixes: string }> = await versionsOfRoom()
    .join('stampRenditions as r', 'r.versionId', 'v.id')
    .whereNotNull('r.revisionPrefixes')
    .where('v.size', '>', size)
    .select('v.id', 'v.documentId', 'r.revisionPrefixes');
  for (const v of withPrefixes) {
    const prefixes = JSON.parse(v.revisionPrefixes) as Array<{ size: number; sha256: string }>;
    if (prefixes.some((p) => p.size === size && p.sha256 === digest)) return { what: 'earlier_revision' as const, versionId: v.id, documentId: v.documentId };
  }
  return undefined;
}

/** Everyone who was sent bytes containing the copy: `original` recipients, or for a base every stamped PDF delivery. */
function holdersOf(ctx: ServiceContext, roomId: string, copy: { what: UnstampedCopy; versionId: string }): Promise<TracedDownload[]> {
  const q = downloadsOfRoom(ctx, roomId).where('d.versionId', copy.versionId).orderBy('d.at').orderBy('d.id');
  return copy.what === 'stamp_base' ? q.whereNotNull('d.tailSha256') : q.where('d.kind', 'original');
}

/**
 * Names the delivery a leaked copy came from: first by its exact bytes (every stamped delivery's
 * bytes are recorded), then, for a copy with no stamp, by the stored bytes it equals, then by a
 * download id read back from the stamp. Only this room's deliveries are searched, so a trace never
 * reveals another room's.
 */
export async function traceLeak(ctx: ServiceContext, roomId: string, upload: IncomingUpload): Promise<TraceResult> {
  const room = await findVisibleRoom(ctx, roomId, 'trace');
  assertAllowed(ctx, 'oversee', 'Room', room, { event: 'trace', roomId, subjectId: roomId, reason: 'managers and counsel only' });
  const { data, fileName } = await upload.inMemory(Math.min(MAX_TRACE_BYTES, ctx.config.maxUploadBytes));
  const digest = sha256(data);
  const result = await traceBytes(ctx, roomId, data, digest, fileName);
  await recordAllowed(ctx.db, ctx, {
    action: 'trace',
    subjectType: 'Room',
    subjectId: roomId,
    roomId,
    details: {
      sha256: digest,
      size: data.length,
      result: ledgerResultOf(result),
    },
  });
  if (!result) throw new HttpError(404, 'not_traced', 'No delivery from this room matches the file.');
  return result;
}

/** What the ledger keeps of a trace: ids and odds, never a value of the leaked file. */
function ledgerResultOf(result: TraceResult | undefined) {
  if (!result) return null;
  switch (result.match) {
    case 'unstamped':
      return { match: result.match, copyOf: result.copyOf, recipients: result.recipients.map((r) => r.id) };
    case 'party':
      return {
        match: result.match, evidence: result.evidence, partyId: result.party.id, documentId: result.documentId, versionId: result.versionId,
        candidates: result.candidates.map((c) => c.id), pseudonyms: result.pseudonyms, log10FalseMatchProbability: result.log10FalseMatchProbability,
      };
    case 'fingerprint':
      return { downloadId: result.download.id, match: result.match, evidence: result.evidence, rows: result.rows, log10FalseMatchProbability: result.log10FalseMatchProbability };
    default:
      return { downloadId: result.download.id, match: result.match, evidence: result.evidence };
  }
}

const oddsOf = (log10: number): FalseMatchOdds => {
  const falseMatchProbability = 10 ** log10;
  return { confidence: 1 - falseMatchProbability, falseMatchProbability, log10FalseMatchProbability: log10 };
};

/** A leaked CSV or XLSX file traced as a dataset (datasets/trace-dataset.ts), named with the room's records. */
async function datasetTraceResult(ctx: ServiceContext, roomId: string, trace: DatasetTrace | undefined): Promise<TraceResult | undefined> {
  if (!trace) return undefined;
  if (trace.match === 'fingerprint') {
    const download: TracedDownload | undefined = await downloadsOfRoom(ctx, roomId).where('d.id', trace.downloadId).first();
    if (!download) return undefined;
    return {
      match: 'fingerprint',
      evidence: `the order of ${trace.rows} leaked rows is this delivery's, and no other's among the ${trace.deliveriesTested} deliveries tested`,
      download,
      rows: trace.rows,
      ...oddsOf(trace.log10FalseMatchProbability),
    };
  }
  const party: { id: string; name: string } | undefined = await ctx.db('parties').where({ id: trace.partyId, roomId }).first('id', 'name');
  if (!party) return undefined;
  const candidates: TracedDownload[] = await downloadsOfRoom(ctx, roomId).whereIn('d.id', trace.candidateIds).orderBy('d.at').orderBy('d.id');
  return {
    match: 'party',
    evidence: `${trace.pseudonyms} pseudonyms of the leak are this party's (no delivery's row order matches: the rows were re-sorted or too few)`,
    party,
    documentId: trace.documentId,
    versionId: trace.versionId,
    candidates,
    pseudonyms: trace.pseudonyms,
    ...oddsOf(trace.log10FalseMatchProbability),
  };
}

async function traceBytes(ctx: ServiceContext, roomId: string, data: Buffer, digest: string, fileName: string): Promise<TraceResult | undefined> {
  // An `original` download's recorded hash is the version's own, which every holder of the file shares.
  const exact =
    (await downloadsOfRoom(ctx, roomId).where('d.sha256', digest).whereNot('d.kind', 'original').orderBy('d.at').first()) ??
    (await exactPdfDelivery(ctx, roomId, data));
  if (exact) return { match: 'exact', evidence: 'bytes identical to this delivery', download: exact };

  const copy = await unstampedCopyOf(ctx, roomId, digest, data.length);
  if (copy) return { match: 'unstamped', evidence: UNSTAMPED_EVIDENCE[copy.what], copyOf: copy, recipients: await holdersOf(ctx, roomId, copy) };

  // A table (a .csv, or an XLSX workbook) is traced by its rows: no stamp can be read from it. It is
  // told as intake tells a dataset: a workbook by its zip entries (file-type misses one LibreOffice
  // wrote, whose [Content_Types].xml comes last), a CSV by its name and text.
  const datasetFormat = detectDatasetFormat(data.subarray(0, SNIFF_BYTES), fileName);
  if (datasetFormat) {
    // A table is traced against the stored rows; a purged room's are gone (a copy's exact bytes and stamps still trace).
    await assertRoomContentKept(ctx.db, roomId, { action: 'trace', subjectType: 'Room', subjectId: roomId });
    return datasetTraceResult(ctx, roomId, await traceDataset(ctx.db, ctx.store, roomId, data, datasetFormat));
  }
  const type = await sniffType(data.subarray(0, SNIFF_BYTES), undefined);
  const candidates = type === 'application/pdf' ? await readStampEvidenceFromPdf(data) : type && IMAGE_TYPES.has(type) ? await readStampEvidenceFromImage(data) : [];
  const ids = candidates.filter((c) => isDownloadId(c.id));
  if (!ids.length) return undefined;
  const found: TracedDownload[] = await downloadsOfRoom(ctx, roomId).whereIn('d.id', ids.map((c) => c.id));
  // The reader lists its candidates most confident first; keep that order.
  for (const c of ids) {
    const download = found.find((f) => f.id === c.id);
    if (download) return { match: 'watermark', evidence: `download id read from ${c.seenIn.join(', ')}`, download };
  }
  return undefined;
}
