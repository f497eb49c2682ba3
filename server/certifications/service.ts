import type { ServiceContext } from '../service-context.js';
import { denied } from '../errors.js';
import { findVisibleRoom, type RoomRow } from '../policy/room-gate.js';
import { assertMayCertify, certificationReaderOf, type CertificationReader } from '../policy/certification-access.js';
import { recordAllowed } from '../ledger/record.js';
import { loadLedgerKey } from '../ledger/signing-key.js';
import { documentIndexesFor } from '../documents/caller-indexes.js';
import { fetchPage, type Page } from '../http/paging.js';
import { certificateBody, signCertificate, type SignedCertificate } from './certificate.js';
import { partyDownloads } from './party-access-history.js';
import { findCertification, markCertified, type CertificationRow } from './repository.js';
import type { CertifyInput, ListCertificationsQuery } from './schema.js';

export interface CertificationView extends CertificationRow {
  /** How many copies the party's members took (through the certification, or until now). */
  downloads: number;
}

/** The room and who the caller is to its certifications; the room's 404 for anyone else. */
async function certificationsRoom(ctx: ServiceContext, roomId: string, event: string): Promise<{ room: RoomRow; reader: CertificationReader }> {
  const room = await findVisibleRoom(ctx, roomId, event);
  return { room, reader: certificationReaderOf(ctx, room, event) };
}

/** The certification, if the caller's reader reaches it: another party's answers exactly as a missing id. */
async function findReachableCertification(ctx: ServiceContext, roomId: string, certificationId: string, reader: CertificationReader, event: string) {
  const row = await findCertification(ctx.db, roomId, certificationId);
  if (!row || (reader.kind === 'member' && row.partyId !== reader.partyId)) {
    // Stryker disable next-line StringLiteral: wording of the ledger's reason
    throw denied({ action: event, subjectType: 'Certification', subjectId: certificationId, roomId: null, reason: 'certification not visible to caller' });
  }
  return row;
}

const withDownloadCount = async (ctx: ServiceContext, row: CertificationRow): Promise<CertificationView> => ({
  ...row,
  downloads: (await partyDownloads(ctx.db, row.roomId, row.partyId, { through: row.certifiedAt ?? ctx.at })).length,
});

export async function listCertifications(ctx: ServiceContext, roomId: string, query: ListCertificationsQuery): Promise<Page<CertificationView> & { reader: CertificationReader }> {
  const event = 'certification.list';
  const { room, reader } = await certificationsRoom(ctx, roomId, event);
  const q = ctx.db('certifications').where({ roomId: room.id });
  if (reader.kind === 'member') q.where({ partyId: reader.partyId });
  if (query.status) q.where({ status: query.status });
  const page = await fetchPage<CertificationRow>(q.select('certifications.*'), query, { column: 'requestedAt', field: 'requestedAt', table: 'certifications', descending: true });
  const items: CertificationView[] = [];
  for (const row of page.items) items.push(await withDownloadCount(ctx, row));
  await recordAllowed(ctx.db, ctx, { action: event, subjectType: 'Room', subjectId: room.id, roomId: room.id, details: { count: items.length, ...(reader.kind === 'member' ? { partyId: reader.partyId } : {}) } });
  return { ...page, items, reader };
}

/**
 * A member certifies for their party. Certifying twice is answered as the first time was: 200 with
 * the certification as it stands, its first certifier, time and statement unchanged (a member who
 * clicks twice, or two members at once, did what was asked; nothing is overwritten). The ledger
 * records the repeat as what it is.
 */
export async function certify(ctx: ServiceContext, roomId: string, certificationId: string, input: CertifyInput): Promise<{ certification: CertificationView; reader: CertificationReader }> {
  const event = 'certification.certify';
  const { reader } = await certificationsRoom(ctx, roomId, event);
  const row = await findReachableCertification(ctx, roomId, certificationId, reader, event);
  assertMayCertify(reader, row, event);
  const at = ctx.at;
  const won = await ctx.db.transaction(async (trx) => {
    const changed = await markCertified(trx, row.id, { userId: ctx.actor.id, statement: input.statement, at });
    // A repeat is recorded apart: one `certification.certify` event per certification, the one that counts.
    await recordAllowed(trx, ctx, {
      action: changed ? event : `${event}.repeat`,
      subjectType: 'Certification',
      subjectId: row.id,
      roomId: row.roomId,
      details: { partyId: row.partyId, ...(changed ? { statementLength: input.statement.length } : {}) },
    });
    return changed;
  });
  const now = won ? { ...row, status: 'certified' as const, statement: input.statement, certifiedBy: ctx.actor.id, certifiedAt: at } : await findCertification(ctx.db, roomId, row.id);
  return { certification: await withDownloadCount(ctx, now!), reader };
}

/**
 * The certificate, rendered now from rows and signed. The deal team's copy carries the deal team's
 * index of each document; the party's does not (certificate.ts says why).
 */
export async function certificateOf(ctx: ServiceContext, roomId: string, certificationId: string, format: 'json' | 'pdf'): Promise<SignedCertificate> {
  const event = 'certification.certificate';
  const { room, reader } = await certificationsRoom(ctx, roomId, event);
  const row = await findReachableCertification(ctx, roomId, certificationId, reader, event);
  const audience = reader.kind === 'deal_team' ? 'deal_team' : 'party';
  const body = await certificateBody(ctx.db, row, {
    audience,
    at: ctx.at,
    indexes: audience === 'deal_team' ? (docs) => documentIndexesFor(ctx, room.id, docs) : undefined,
  });
  const certificate = signCertificate(loadLedgerKey(ctx.config.audit), body);
  await recordAllowed(ctx.db, ctx, { action: event, subjectType: 'Certification', subjectId: row.id, roomId: row.roomId, details: { partyId: row.partyId, format, audience } });
  return certificate;
}
