import type { Db } from '../../server/db.js';
import type { Actor } from '../../server/auth/actor.js';
import type { DatasetClassification, DatasetDescription } from '../../server/datasets/dataset-types.js';
import { CLASSIFICATIONS, LEVELS, PERSONAL_DATA, positionsInWorld, type World, type WorldDataset, type WorldUser } from './world-model.js';
import type { Revocation } from './world-arbitrary.js';
import { writeDocumentPages } from '../../server/search/text-index.js';

const CREATED = '2020-01-01T00:00:00.000Z';
const FAKE_SHA = '0'.repeat(64);
const rank = <T>(order: readonly T[], v: T) => order.indexOf(v);

/**
 * Inserts a world straight into the tables (no HTTP: thousands of worlds must fit in a minute), in
 * one transaction, shaped exactly as the services store it. `objectKeyOf` names each document's
 * stored object, for the worlds that are also read through the API.
 */
/** The words on every document's one page of text in a stored world. */
export const SEARCHED_WORDS = 'gatehouse property page';

export async function insertWorld(db: Db, w: World, objectKeyOf: (documentId: string) => string = (d) => `versions/${d}`): Promise<void> {
  const staffUser = w.users.find((u) => u.role === 'staff')!.id;
  await db.transaction(async (trx) => {
    const insert = async (table: string, rows: object[]) => {
      if (rows.length) await trx(table).insert(rows);
    };
    await insert('orgs', w.orgs.map((o) => ({ id: o.id, name: o.id, kind: o.kind, createdAt: CREATED })));
    await insert('users', w.users.map((u) => ({ id: u.id, email: `${u.id}@example.test`, name: u.id, orgId: u.orgId, role: u.role, passwordHash: 'x', createdAt: CREATED })));
    await insert('entities', w.entityIds.map((id) => ({ id, name: id, createdAt: CREATED })));
    await insert('rooms', w.rooms.map((r) => ({ id: r.id, name: r.id, codeName: null, status: r.status, requireMfa: r.requireMfa, createdBy: staffUser, createdAt: CREATED, closedAt: r.status === 'closed' ? CREATED : null })));
    await insert('roomEntities', w.rooms.flatMap((r) => r.entityIds.map((entityId) => ({ roomId: r.id, entityId }))));
    await insert('roomStaff', w.staff.map((s) => ({ ...s, createdAt: CREATED })));
    await insert('parties', w.parties.map((p) => ({ id: p.id, roomId: p.roomId, name: p.id, acquirerOrgId: p.acquirerOrgId, createdAt: CREATED })));
    await insert('partyAdvisors', w.parties.flatMap((p) => p.advisorOrgIds.map((orgId) => ({ partyId: p.id, orgId }))));
    await insert('partyMembers', w.members.map((m) => ({ ...m, createdAt: CREATED })));
    await insert('partyIpAllowlist', w.allowlists.map((a) => ({ ...a, createdBy: staffUser, createdAt: CREATED })));
    await insert('ndas', w.ndas.map((n) => ({
      id: n.id, roomId: n.roomId, orgId: n.orgId, kind: n.kind, status: n.status, signedAt: CREATED, effectiveAt: n.effectiveAt,
      expiresAt: n.expiresAt, coversRepresentatives: n.coversRepresentatives, objectKey: `ndas/${n.id}`, sha256: FAKE_SHA, size: 1,
      fileName: 'nda.pdf', registeredBy: staffUser, registeredAt: CREATED,
      confirmedBy: n.status === 'confirmed' || n.status === 'terminated' ? staffUser : null,
      confirmedAt: n.status === 'confirmed' || n.status === 'terminated' ? CREATED : null,
    })));
    await insert('ndaEntities', w.ndas.flatMap((n) => n.entityIds.map((entityId) => ({ ndaId: n.id, entityId }))));
    // Parents before children: the generator only ever hangs a folder under an earlier one. Positions
    // are given as the services give them: 1, 2, 3… among a folder's siblings, and among a folder's
    // documents, in the order drawn (positionsInWorld).
    const position = positionsInWorld(w);
    await insert('folders', w.folders.map((f) => ({ id: f.id, roomId: f.roomId, parentId: f.parentId, name: f.id, position: position.get(f.id), createdAt: CREATED })));
    await insert('documents', w.documents.map((d) => ({
      id: d.id, roomId: d.roomId, folderId: d.folderId, entityId: d.entityId, title: d.id,
      classificationRank: rank(CLASSIFICATIONS, d.classification), personalDataRank: rank(PERSONAL_DATA, d.personalData), kind: d.kind ?? 'document',
      status: d.status ?? 'published', position: position.get(d.id), currentVersionId: `${d.id}v`, version: 1, createdBy: staffUser, createdAt: CREATED,
    })));
    // Search: one page of text per document, the same words on each (the suites search for them).
    await writeDocumentPages(trx, w.documents.map((d) => ({ documentId: d.id, page: 1, text: `${SEARCHED_WORDS} ${d.id}` })));
    await insert('documentVersions', w.documents.map((d) => ({
      id: `${d.id}v`, documentId: d.id, version: 1, objectKey: objectKeyOf(d.id), size: 1, sha256: FAKE_SHA,
      mimeType: 'application/pdf', fileName: `${d.id}.pdf`, createdBy: staffUser, createdAt: CREATED,
    })));
    await insert('grants', w.grants.map((g) => ({
      id: g.id, roomId: g.roomId, partyId: g.partyId, folderId: g.folderId, levelRank: rank(LEVELS, g.level),
      maxClassificationRank: rank(CLASSIFICATIONS, g.maxClassification), maxPersonalDataRank: rank(PERSONAL_DATA, g.maxPersonalData),
      expiresAt: g.expiresAt, createdBy: staffUser, createdAt: CREATED,
    })));
    // A dataset's classification, and the entities its map names (facts of the rule), as classifyDataset stores them.
    const datasets = (w.datasets ?? []).map((d) => ({ d, roomId: w.documents.find((doc) => doc.id === d.documentId)!.roomId }));
    await insert('datasetClassifications', datasets.map(({ d }) => ({ documentId: d.documentId, classification: JSON.stringify(datasetClassificationOf(d)), updatedBy: staffUser, updatedAt: CREATED })));
    await insert('datasetEntities', datasets.flatMap(({ d, roomId }) => datasetEntityRows(d, roomId)));
    // Questions as server/questions stores them: numbered within the party, an answer's author and
    // its approval as columns, an FAQ by its publication time.
    const numbers = new Map<string, number>();
    await insert('questions', (w.questions ?? []).map((q) => {
      const number = (numbers.get(q.partyId) ?? 0) + 1;
      numbers.set(q.partyId, number);
      return {
        id: q.id, roomId: q.roomId, partyId: q.partyId, number, subject: q.id, body: q.id, priority: 'normal', status: q.status, createdBy: staffUser, createdAt: CREATED,
        assignedTo: q.assignedTo, assignedAt: q.assignedTo ? CREATED : null, answer: q.answeredBy ? 'answer' : null, answerDocumentIds: q.answeredBy ? '[]' : null,
        answeredBy: q.answeredBy, answeredAt: q.answeredBy ? CREATED : null, approvedBy: q.approved ? staffUser : null, approvedAt: q.approved ? CREATED : null,
        faqPublishedAt: q.faq ? CREATED : null, faqPublishedBy: q.faq ? staffUser : null, closedBy: q.status === 'closed' ? staffUser : null, closedAt: q.status === 'closed' ? CREATED : null,
      };
    }));
  });
}

const datasetEntityRows = (d: WorldDataset, roomId: string) => [...new Set(Object.values(d.entityMap))].sort().map((entityId) => ({ documentId: d.documentId, roomId, entityId }));

/**
 * A world dataset as the reader describes it (server/datasets/describe-dataset.ts): a workbook when it
 * has several sheets, else a CSV.
 */
export function datasetDescriptionOf(d: WorldDataset): DatasetDescription {
  return {
    format: d.sheets.length > 1 ? 'xlsx' : 'csv',
    sheets: d.sheets.map((s) => ({ name: s.name, rows: s.rows.length, columns: s.columns.map((c) => ({ name: c.name, type: c.type })) })),
  };
}

/**
 * A world dataset's classification as the deal team's PUT …/dataset stores it: the columns with a
 * role besides `none`, each named by its sheet — left out for the first sheet of a one-sheet dataset,
 * named for every sheet of a workbook, so both ways of naming the first sheet occur.
 */
export function datasetClassificationOf(d: WorldDataset): DatasetClassification {
  const sheetRef = (index: number) => (d.sheets.length === 1 && index === 0 ? {} : { sheet: d.sheets[index]!.name });
  return {
    columns: d.sheets.flatMap((s, i) => s.columns.filter((c) => c.role !== 'none').map((c) => ({ ...sheetRef(i), name: c.name, role: c.role }))),
    subjectColumn: null,
    entityColumn: d.entityColumn ? { ...sheetRef(d.entityColumn.sheet), name: d.entityColumn.name } : null,
    entityMap: d.entityMap,
  };
}

/** The same revocation as applyRevocation, done to the stored world. */
export async function revokeInDb(db: Db, rev: Revocation): Promise<void> {
  switch (rev.kind) {
    case 'remove-member':
      await db('partyMembers').where({ roomId: rev.roomId, userId: rev.userId }).delete();
      return;
    case 'drop-clean-team':
      await db('partyMembers').where({ roomId: rev.roomId, userId: rev.userId }).update({ cleanTeam: false });
      return;
    case 'terminate-nda':
      await db('ndas').where({ id: rev.ndaId }).update({ status: 'terminated' });
      return;
    case 'narrow-nda':
      await db('ndaEntities').where({ ndaId: rev.ndaId, entityId: rev.entityId }).delete();
      return;
    case 'delete-grant':
      await db('grants').where({ id: rev.grantId }).delete();
      return;
    case 'close-room':
      await db('rooms').where({ id: rev.roomId }).update({ status: 'closed', closedAt: CREATED });
      return;
    case 'remove-staff':
      await db('roomStaff').where({ roomId: rev.roomId, userId: rev.userId }).delete();
      return;
    case 'restrict-ip':
      await db('partyIpAllowlist').insert({ partyId: rev.partyId, cidr: rev.cidr, createdBy: (await db('roomStaff').first('userId'))!.userId, createdAt: CREATED });
      return;
    case 'require-mfa':
      await db('rooms').where({ id: rev.roomId }).update({ requireMfa: true });
      return;
    case 'withdraw-document':
      await db('documents').where({ id: rev.documentId }).update({ status: 'withdrawn', withdrawnAt: CREATED, withdrawnReason: 'property test' });
      return;
    case 'unmap-value': {
      // As classifyDataset does it: the classification and the entities its map names, in one transaction.
      await db.transaction(async (trx) => {
        const row = await trx('datasetClassifications').where({ documentId: rev.documentId }).first('classification');
        const classification = JSON.parse(row.classification) as DatasetClassification;
        const entityMap = Object.fromEntries(Object.entries(classification.entityMap).filter(([value]) => value !== rev.value));
        await trx('datasetClassifications').where({ documentId: rev.documentId }).update({ classification: JSON.stringify({ ...classification, entityMap }) });
        const { roomId } = await trx('documents').where({ id: rev.documentId }).first('roomId');
        await trx('datasetEntities').where({ documentId: rev.documentId }).delete();
        const rows = [...new Set(Object.values(entityMap))].map((entityId) => ({ documentId: rev.documentId, roomId, entityId }));
        if (rows.length) await trx('datasetEntities').insert(rows);
      });
      return;
    }
  }
}

export const actorOf = (u: WorldUser, mfa = false): Actor => ({ id: u.id, email: `${u.id}@example.test`, name: u.id, orgId: u.orgId, role: u.role, via: 'token', mfa });

/** The actor and request address of `user`'s request in `world`, as loadAccess takes them. */
export function requestContext(w: World, u: WorldUser): { actor: Actor; client: { ip: string } } {
  const req = w.requests.find((r) => r.userId === u.id)!;
  return { actor: actorOf(u, req.mfa), client: { ip: req.ip } };
}
