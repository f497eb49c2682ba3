import type { Knex } from 'knex';
import type { Db } from '../db.js';
import { toActor } from '../auth/actor.js';
import { buildAbility } from '../policy/ability.js';
import { loadAccessFacts } from '../policy/access-facts.js';
import { accessibleBy } from '../policy/accessible-by.js';
import { computeFolderIndexes, compareIndexes } from '../folders/folder-index.js';
import type { UserRow } from '../users/repository.js';
import { partyMemberships, whereInSpans, type Membership } from '../certifications/party-access-history.js';

/** One stored file of a document that goes into the archive. */
export interface ArchivedFile {
  documentId: string;
  index: string;
  title: string;
  folder: string;
  entity: string;
  status: string;
  /** How many versions the document has (the whole room archive holds them all). */
  versions: number;
  version: number;
  versionId: string;
  objectKey: string;
  size: number;
  sha256: string;
  mimeType: string;
  fileName: string | null;
  /** Party archive: the deliveries of this version to the party's members (their watermarks carry these ids). */
  downloadIds: string[];
}

/** Whose archive: the whole room, or what one party was shown. */
export interface ArchiveScope {
  roomId: string;
  roomOpen: boolean;
  /**
   * `memberIds`: its members now (what the party may view is theirs to view); `spans`: everyone who
   * was a member and when (a member who left still answers for what they took, and one who came from
   * another party of the room brings nothing of it).
   */
  party: { id: string; name: string; orgIds: string[]; memberIds: string[]; spans: Membership[] } | null;
}

export async function loadScope(db: Db, roomId: string, partyId: string | null): Promise<ArchiveScope | null> {
  const room: { id: string; status: string } | undefined = await db('rooms').where({ id: roomId }).first('id', 'status');
  if (!room) return null;
  if (!partyId) return { roomId, roomOpen: room.status === 'open', party: null };
  const party: { id: string; name: string; acquirerOrgId: string } | undefined = await db('parties').where({ id: partyId, roomId }).first('id', 'name', 'acquirerOrgId');
  if (!party) return null;
  const advisors: Array<{ orgId: string }> = await db('partyAdvisors').where({ partyId }).select('orgId');
  const members: Array<{ userId: string }> = await db('partyMembers').where({ partyId }).orderBy('userId').select('userId');
  return {
    roomId,
    roomOpen: room.status === 'open',
    party: {
      id: party.id,
      name: party.name,
      orgIds: [party.acquirerOrgId, ...advisors.map((a) => a.orgId)],
      memberIds: members.map((m) => m.userId),
      spans: await partyMemberships(db, roomId, party.id),
    },
  };
}

/**
 * What the party could view: the union of what each member may view by their own facts and the
 * Document rules' own SQL filter (as "view as" computes it), so the archive cannot differ from the
 * members' lists. In a closed room the rule gives nobody anything (rule 1), so there the members are
 * judged as if the room were still open — what the party could view when it closed, by the NDAs and
 * grants as they stand. The party's IP allow-list and a room's second factor are taken as met: they
 * say from where and how a member may look, not what the party was shown.
 */
async function documentsThePartyMayView(db: Db, scope: ArchiveScope, at: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const userId of scope.party!.memberIds) {
    const user: UserRow | undefined = await db('users').where({ id: userId }).first();
    if (!user) continue;
    const facts = await loadAccessFacts(db, { ...toActor(user, 'token'), mfa: true }, at);
    facts.memberships = facts.memberships.map((m) => (m.roomId === scope.roomId ? { ...m, roomOpen: true, ipAllowed: true } : m));
    const rows: Array<{ id: string }> = await db('documents').where(accessibleBy(buildAbility(facts), 'view', 'Document')).where('documents.roomId', scope.roomId).select('documents.id');
    for (const r of rows) seen.add(r.id);
  }
  return seen;
}

interface DeliveredVersion {
  documentId: string;
  versionId: string;
  at: string;
  downloadIds: string[];
}

/** Per document, the version the party's members last received while members, with every delivery id of that version to them. */
async function lastDeliveredVersions(db: Db, scope: ArchiveScope): Promise<Map<string, DeliveredVersion>> {
  const rows: Array<{ id: string; documentId: string; versionId: string; at: string }> = await whereInSpans(db('downloads').where({ roomId: scope.roomId }), scope.party!.spans, 'userId', 'at')
    .orderBy('at')
    .orderBy('id')
    .select('id', 'documentId', 'versionId', 'at');
  const out = new Map<string, DeliveredVersion>();
  for (const r of rows) {
    const known = out.get(r.documentId);
    if (known && known.versionId === r.versionId) {
      known.downloadIds.push(r.id);
      known.at = r.at;
    } else {
      // A later delivery of another version: that one is what the party holds last.
      out.set(r.documentId, { documentId: r.documentId, versionId: r.versionId, at: r.at, downloadIds: [r.id] });
    }
  }
  return out;
}

/**
 * The files of the archive, in the deal team's index order. Whole room: every version of every
 * document (drafts and withdrawn ones too: the deal team's record). Party: each document the party
 * could view or was delivered, in the version its members last received (else the current one).
 * Documents delivered to the party but no longer visible to it (withdrawn, a grant narrowed) stay:
 * what left the room stays on the record.
 */
export async function planFiles(db: Db, scope: ArchiveScope, at: string): Promise<ArchivedFile[]> {
  const folders: Array<{ id: string; parentId: string | null; position: number; name: string }> = await db('folders').where({ roomId: scope.roomId }).select('id', 'parentId', 'position', 'name');
  const folderIndexes = computeFolderIndexes(folders);
  const folderNames = new Map(folders.map((f) => [f.id, `${folderIndexes.get(f.id)} ${f.name}`]));
  const entities = new Map((await db('entities').select('id', 'name')).map((e: { id: string; name: string }) => [e.id, e.name]));

  let delivered = new Map<string, DeliveredVersion>();
  let included: Set<string> | null = null;
  if (scope.party) {
    delivered = await lastDeliveredVersions(db, scope);
    included = await documentsThePartyMayView(db, scope, at);
    for (const id of delivered.keys()) included.add(id);
  }

  const docs: Array<{ id: string; folderId: string; entityId: string; title: string; position: number; status: string; currentVersionId: string | null; version: number }> = await db('documents')
    .where({ roomId: scope.roomId })
    .select('id', 'folderId', 'entityId', 'title', 'position', 'status', 'currentVersionId', 'version');
  const wanted = included ? docs.filter((d) => included.has(d.id)) : docs;

  const versionsQuery = (q: Knex.QueryBuilder) =>
    q.select('v.id', 'v.documentId', 'v.version', 'v.objectKey', 'v.size', 'v.sha256', 'v.mimeType', 'v.fileName');
  const versions: Array<{ id: string; documentId: string; version: number; objectKey: string; size: number | string; sha256: string; mimeType: string; fileName: string | null }> =
    await versionsQuery(db('documentVersions as v').join('documents as d', 'd.id', 'v.documentId').where('d.roomId', scope.roomId)).orderBy('v.version');
  const byDocument = new Map<string, typeof versions>();
  for (const v of versions) byDocument.set(v.documentId, [...(byDocument.get(v.documentId) ?? []), v]);

  const files: ArchivedFile[] = [];
  for (const d of wanted) {
    const all = byDocument.get(d.id) ?? [];
    const chosen = scope.party ? all.filter((v) => v.id === (delivered.get(d.id)?.versionId ?? d.currentVersionId)) : all;
    for (const v of chosen) {
      files.push({
        documentId: d.id,
        index: `${folderIndexes.get(d.folderId) ?? '?'}.${d.position}`,
        title: d.title,
        folder: folderNames.get(d.folderId) ?? '',
        entity: entities.get(d.entityId) ?? d.entityId,
        status: d.status,
        versions: all.length,
        version: Number(v.version),
        versionId: v.id,
        objectKey: v.objectKey,
        size: Number(v.size),
        sha256: v.sha256,
        mimeType: v.mimeType,
        fileName: v.fileName,
        downloadIds: delivered.get(d.id)?.versionId === v.id ? delivered.get(d.id)!.downloadIds : [],
      });
    }
  }
  return files.sort((a, b) => compareIndexes(a.index, b.index) || a.version - b.version || (a.documentId < b.documentId ? -1 : 1));
}

export interface ArchivedNda {
  id: string;
  orgId: string;
  orgName: string;
  kind: string;
  status: string;
  signedAt: string;
  effectiveAt: string;
  expiresAt: string;
  coversRepresentatives: boolean;
  entityIds: string[];
  confirmedAt: string | null;
  decidedAt: string | null;
  objectKey: string;
  size: number;
  sha256: string;
  fileName: string | null;
}

/** The room's NDAs; a party archive holds only those of the party's own organisations. */
export async function planNdas(db: Db, scope: ArchiveScope): Promise<ArchivedNda[]> {
  const q = db('ndas as n').join('orgs as o', 'o.id', 'n.orgId').where('n.roomId', scope.roomId);
  if (scope.party) q.whereIn('n.orgId', scope.party.orgIds);
  const rows: Array<Record<string, unknown>> = await q
    .orderBy('n.registeredAt')
    .orderBy('n.id')
    .select('n.id', 'n.orgId', 'o.name as orgName', 'n.kind', 'n.status', 'n.signedAt', 'n.effectiveAt', 'n.expiresAt', 'n.coversRepresentatives', 'n.confirmedAt', 'n.decidedAt', 'n.objectKey', 'n.size', 'n.sha256', 'n.fileName');
  const scopes: Array<{ ndaId: string; entityId: string }> = rows.length ? await db('ndaEntities').whereIn('ndaId', rows.map((r) => r.id as string)).select('ndaId', 'entityId') : [];
  return rows.map((r) => ({
    ...(r as unknown as ArchivedNda),
    size: Number(r.size),
    coversRepresentatives: Boolean(r.coversRepresentatives),
    entityIds: scopes.filter((s) => s.ndaId === r.id).map((s) => s.entityId).sort(),
  }));
}

/**
 * The Q&A the archive's scope may read. Whole room: every question with its answer (an answer not
 * yet approved is marked so). Party: its own questions, each answer only once approved (as the
 * party read it), and the room's FAQs in their published wording, with nothing of who asked them.
 */
export async function planQuestions(db: Db, scope: ArchiveScope): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = await db('questions').where({ roomId: scope.roomId }).orderBy('createdAt').orderBy('id').select();
  if (!scope.party) {
    return rows.map((q) => ({
      id: q.id, partyId: q.partyId, number: q.number, status: q.status, priority: q.priority, subject: q.subject, body: q.body, documentId: q.documentId,
      createdAt: q.createdAt, createdBy: q.createdBy, answer: q.answer ?? null, answerApproved: q.approvedAt !== null, answeredAt: q.answeredAt, approvedAt: q.approvedAt,
      faq: q.faqPublishedAt !== null, closedAt: q.closedAt,
    }));
  }
  const own = rows
    .filter((q) => q.partyId === scope.party!.id)
    .map((q) => ({
      id: q.id, number: q.number, status: q.status, priority: q.priority, subject: q.subject, body: q.body, documentId: q.documentId, createdAt: q.createdAt,
      answer: q.approvedAt !== null ? q.answer : null, approvedAt: q.approvedAt, faq: q.faqPublishedAt !== null, closedAt: q.closedAt,
    }));
  const faqs = rows
    .filter((q) => q.partyId !== scope.party!.id && q.faqPublishedAt !== null && q.approvedAt !== null)
    .map((q) => ({ id: q.id, faq: true, subject: q.faqSubject ?? q.subject, body: q.faqBody ?? q.body, answer: q.faqAnswer ?? q.answer, faqPublishedAt: q.faqPublishedAt }));
  return [...own, ...faqs];
}

/**
 * The ledger events of the archive, up to and including its seal. Whole room: every event of the
 * room. Party: the events that concern the party and no other — what its members did, and what was
 * done to the party itself, its members, its organisations' NDAs, its questions — and the archive's
 * own events. Never another party's: their ids are never among these.
 */
export async function ledgerSubjectsOf(db: Db, scope: ArchiveScope, archiveId: string): Promise<PartyLedgerSlice | null> {
  if (!scope.party) return null;
  const ndaIds: Array<{ id: string }> = await db('ndas').where({ roomId: scope.roomId }).whereIn('orgId', scope.party.orgIds).select('id');
  const questionIds: Array<{ id: string }> = await db('questions').where({ roomId: scope.roomId, partyId: scope.party.id }).select('id');
  return { subjectIds: [scope.party.id, archiveId, ...ndaIds.map((n) => n.id), ...questionIds.map((q) => q.id)], spans: scope.party.spans };
}

/** A party's events: about the party itself, its NDAs, its questions, the archive — or by or about a member while a member. */
export interface PartyLedgerSlice {
  subjectIds: string[];
  spans: Membership[];
}

/**
 * Narrows a query of audit_events to `slice`. A member's events count within their span, its end
 * included (their removal is the party's event); what they did in another party of the room, before
 * or after, is that party's.
 */
export function whereInPartySlice(q: Knex.QueryBuilder, slice: PartyLedgerSlice): Knex.QueryBuilder {
  return q.where((w) => {
    w.whereIn('subjectId', slice.subjectIds);
    for (const s of slice.spans) {
      w.orWhere((one) => {
        one.where((who) => who.where('actorId', s.userId).orWhere('subjectId', s.userId));
        if (s.countsFrom) one.where('at', '>=', s.countsFrom);
        if (s.until) one.where('at', '<=', s.until);
      });
    }
  });
}
