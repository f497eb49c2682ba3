import { forgetDocumentText } from '../search/text-jobs.js';
import type { ServiceContext } from '../service-context.js';
import { isPostgres, type Db } from '../db.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import { conflict, denied, invalidRequest, notFound } from '../errors.js';
import { classificationRank, personalDataRank } from '../ranks.js';
import { lockRoomOrder, orderWith, orderWithout, writeOrder, type Sibling } from '../folders/sibling-order.js';
import { deliverOriginal } from '../downloads/service.js';
import { rowStoreKeyOf } from '../datasets/row-store.js';
import { partyCopyKeysOf } from '../datasets/party-copy.js';
import { assertRoomContentKept } from '../purge/purged-content.js';
import { findVisibleDocument, type DocumentView, type VersionRow } from './repository.js';
import { readDocument, type DocumentListItem } from './service.js';
import type { UpdateDocumentInput } from './schema.js';

/**
 * The document lifecycle for the deal team (docs/http-api.md, "Staged disclosure"): move, rename,
 * reorder and reclassify; withdraw; delete what never left the deal team; the version history.
 * Publishing is in server/publishing/. Every change is one transaction with its ledger event, and
 * bumps policy_version by trigger (status, folder, position and ranks are facts of the rule), so
 * outsiders' access follows on their next request.
 */

/** The document, if the caller manages it; hidden → the 404 of a missing id, visible but not theirs to change → 403. */
async function documentToManage(ctx: ServiceContext, documentId: string, event: string): Promise<DocumentView> {
  const doc = await findVisibleDocument(ctx, documentId);
  if (!doc) throw denied({ action: event, subjectType: 'Document', subjectId: documentId, reason: 'document not visible to caller' });
  assertAllowed(ctx, 'edit', 'Document', doc, { event, subjectId: documentId, roomId: doc.roomId, reason: 'managers only' });
  return doc;
}

const documentsOf = (trx: Db, folderId: string): Promise<Sibling[]> => trx('documents').where({ folderId }).select('id', 'position');

export async function updateDocument(ctx: ServiceContext, documentId: string, input: UpdateDocumentInput): Promise<DocumentListItem> {
  const doc = await documentToManage(ctx, documentId, 'document.update');
  await ctx.db.transaction(async (trx) => {
    await lockRoomOrder(trx, doc.roomId);
    const current = await trx('documents').where({ id: documentId }).first('folderId', 'position', 'title', 'classificationRank', 'personalDataRank');
    const changes: Record<string, unknown> = {};
    if (input.title !== undefined) changes.title = input.title;
    if (input.classification !== undefined) changes.classificationRank = classificationRank(input.classification);
    if (input.personalData !== undefined) changes.personalDataRank = personalDataRank(input.personalData);
    if (Object.keys(changes).length) await trx('documents').where({ id: documentId }).update(changes);

    const targetFolderId = input.folderId ?? current.folderId;
    if (targetFolderId !== current.folderId) {
      if (!(await trx('folders').where({ id: targetFolderId, roomId: doc.roomId }).first('id'))) {
        throw invalidRequest('Unknown folder.', { folderId: 'no such folder in this room' });
      }
      const target = await documentsOf(trx, targetFolderId);
      const ordered = orderWith(target, documentId, input.position ?? null);
      const source = await documentsOf(trx, current.folderId);
      await trx('documents').where({ id: documentId }).update({ folderId: targetFolderId, position: ordered.indexOf(documentId) + 1 });
      await writeOrder(trx, 'documents', ordered, [...target, { id: documentId, position: ordered.indexOf(documentId) + 1 }]);
      await writeOrder(trx, 'documents', orderWithout(source, documentId), source);
    } else if (input.position !== undefined) {
      const siblings = await documentsOf(trx, current.folderId);
      await writeOrder(trx, 'documents', orderWith(siblings, documentId, input.position), siblings);
    }
    await recordAllowed(trx, ctx, {
      action: 'document.update',
      subjectType: 'Document',
      subjectId: documentId,
      roomId: doc.roomId,
      details: {
        before: { title: current.title, folderId: current.folderId, position: Number(current.position), classificationRank: Number(current.classificationRank), personalDataRank: Number(current.personalDataRank) },
        changes: { ...input },
      },
    });
  });
  return readDocument(ctx, documentId);
}

/**
 * Withdraws a document: outsiders get the 404 of a missing id from their next request, and links
 * already handed out (a resumable download, a dataset page) stop with it, since every request asks
 * the rule again. Its deliveries stay on the record. Withdrawing twice keeps the first reason.
 */
export async function withdrawDocument(ctx: ServiceContext, documentId: string, reason: string): Promise<{ status: 'withdrawn' }> {
  const doc = await documentToManage(ctx, documentId, 'document.withdraw');
  await ctx.db.transaction(async (trx) => {
    const changed = await trx('documents')
      .where({ id: documentId })
      .whereNot('status', 'withdrawn')
      .update({ status: 'withdrawn', withdrawnAt: ctx.at, withdrawnBy: ctx.actor.id, withdrawnReason: reason });
    await recordAllowed(trx, ctx, { action: 'document.withdraw', subjectType: 'Document', subjectId: documentId, roomId: doc.roomId, details: { reason, from: doc.status, changed: changed === 1 } });
  });
  return { status: 'withdrawn' };
}

/**
 * Deletes a document that never left the deal team: no view, download or dataset page of any of
 * its versions went to anyone outside it. What left the room stays on the record, so such a
 * document can only be withdrawn (409 delivered). The rows go in one transaction, with a ledger
 * event naming every version's digest; the stored objects are removed after it commits (an object
 * left behind by a failing store is an orphan the sweeper removes).
 */
export async function deleteDocument(ctx: ServiceContext, documentId: string): Promise<void> {
  const doc = await documentToManage(ctx, documentId, 'document.delete');
  const { versionKeys, objectKeys } = await ctx.db.transaction(async (trx) => {
    await lockRoomOrder(trx, doc.roomId);
    // A delivery in flight holds the row (downloads/service.ts assertStillDeliverable): wait for it, then see it.
    if (isPostgres(trx)) await trx('documents').where({ id: documentId }).forUpdate().first('id');
    const deliveredOutside = await trx('downloads as d')
      .join('users as u', 'u.id', 'd.userId')
      .where('d.documentId', documentId)
      .where('u.role', 'external')
      .first('d.id');
    if (deliveredOutside) {
      throw denied(
        { action: 'document.delete', subjectType: 'Document', subjectId: documentId, roomId: doc.roomId, reason: 'delivered outside the deal team' },
        conflict('delivered', 'This document has been delivered outside the deal team: withdraw it instead, so the record of what left the room stays true.'),
      );
    }
    const versions: Array<{ id: string; version: number; sha256: string; objectKey: string }> = await trx('documentVersions').where({ documentId }).select('id', 'version', 'sha256', 'objectKey');
    const versionIds = versions.map((v) => v.id);
    const renditions: Array<{ objectKey: string | null; indexKey: string | null }> = await trx('stampRenditions').whereIn('versionId', versionIds).select('objectKey', 'indexKey');
    const { folderId } = await trx('documents').where({ id: documentId }).first('folderId');
    // The deal team's own deliveries (they stay on the ledger), then what hangs off the versions, then the document.
    await trx('datasetDeliveries').where({ documentId }).delete();
    await trx('downloads').where({ documentId }).delete();
    await trx('documentNotices').where({ documentId }).delete();
    await trx('datasetClassifications').where({ documentId }).delete();
    await trx('datasetEntities').where({ documentId }).delete();
    await trx('datasetDescriptions').whereIn('versionId', versionIds).delete();
    await trx('stampRenditions').whereIn('versionId', versionIds).delete();
    await trx('documents').where({ id: documentId }).update({ currentVersionId: null });
    await forgetDocumentText(trx, documentId);
    await trx('documentVersions').where({ documentId }).delete();
    await trx('documents').where({ id: documentId }).delete();
    const siblings = await documentsOf(trx, folderId);
    await writeOrder(trx, 'documents', orderWithout(siblings, documentId), siblings);
    await recordAllowed(trx, ctx, {
      action: 'document.delete',
      subjectType: 'Document',
      subjectId: documentId,
      roomId: doc.roomId,
      details: { title: doc.title, status: doc.status, versions: versions.map((v) => ({ versionId: v.id, version: Number(v.version), sha256: v.sha256 })) },
    });
    // A dataset version's row store (datasets/row-store.ts) goes with it: the rows as stored, in another form.
    return {
      versionKeys: versions.map((v) => v.objectKey),
      objectKeys: [...versions.flatMap((v) => [v.objectKey, rowStoreKeyOf(v.objectKey)]), ...renditions.flatMap((r) => [r.objectKey, r.indexKey]).filter((k): k is string => Boolean(k))],
    };
  });
  // So do the parties' copies of a dataset version (datasets/party-copy.ts): the rows as delivered.
  for (const key of versionKeys) objectKeys.push(...(await partyCopyKeysOf(ctx.store, key).catch(() => [])));
  await Promise.all(objectKeys.map((key) => ctx.store.delete(key).catch(() => undefined)));
}

/** A version, with who outside the deal team received it: party by party, how many deliveries and when. */
export interface VersionHistoryItem extends VersionRow {
  /** Who stored it, by name: an admin who uploaded is on no room's team list. */
  createdByName: string | null;
  receivedBy: Array<{ partyId: string | null; partyName: string | null; orgId: string; deliveries: number; first: string; last: string }>;
}

/** The version history of a document, newest first: for the deal team and counsel only (outsiders: 404). */
export async function listVersions(ctx: ServiceContext, documentId: string): Promise<VersionHistoryItem[]> {
  const doc = await findVisibleDocument(ctx, documentId);
  if (!doc) throw denied({ action: 'document.versions', subjectType: 'Document', subjectId: documentId, reason: 'document not visible to caller' });
  // Outsiders have the current version only; that the document has others is the deal team's business,
  // so they are answered as for a document they cannot see.
  assertAllowed(ctx, 'oversee', 'Room', { id: doc.roomId }, { event: 'document.versions', subjectId: documentId, roomId: doc.roomId, reason: 'room staff only', error: notFound() });
  const versions: Array<VersionRow & { createdByName: string | null }> = await ctx.db('documentVersions as v')
    .leftJoin('users as u', 'u.id', 'v.createdBy')
    .where('v.documentId', documentId)
    .orderBy('v.version', 'desc')
    .select('v.*', 'u.name as createdByName');
  const received: Array<{ versionId: string; partyId: string | null; partyName: string | null; orgId: string; deliveries: number | string; first: string; last: string }> = await ctx.db('downloads as d')
    .join('users as u', 'u.id', 'd.userId')
    .leftJoin('partyMembers as m', (j) => j.on('m.userId', 'd.userId').andOn('m.roomId', 'd.roomId'))
    .leftJoin('parties as p', 'p.id', 'm.partyId')
    .where('d.documentId', documentId)
    .where('u.role', 'external')
    .groupBy('d.versionId', 'm.partyId', 'p.name', 'd.orgId')
    .select('d.versionId', 'm.partyId', 'p.name as partyName', 'd.orgId')
    .count({ deliveries: '*' })
    .min({ first: 'd.at' })
    .max({ last: 'd.at' });
  await recordAllowed(ctx.db, ctx, { action: 'document.versions', subjectType: 'Document', subjectId: documentId, roomId: doc.roomId, details: { count: versions.length } });
  return versions.map((v) => ({
    ...v,
    receivedBy: received
      .filter((r) => r.versionId === v.id)
      .map((r) => ({ partyId: r.partyId, partyName: r.partyName, orgId: r.orgId, deliveries: Number(r.deliveries), first: r.first, last: r.last })),
  }));
}

/** One version's stored file, for the deal team: recorded as a delivery of that version like any original. */
export async function deliverVersionOriginal(ctx: ServiceContext, documentId: string, versionId: string) {
  const doc = await findVisibleDocument(ctx, documentId);
  if (!doc) throw denied({ action: 'document.version.original', subjectType: 'Document', subjectId: documentId, reason: 'document not visible to caller' });
  assertAllowed(ctx, 'oversee', 'Room', { id: doc.roomId }, { event: 'document.version.original', subjectId: documentId, roomId: doc.roomId, reason: 'room staff only', error: notFound() });
  const version: VersionRow | undefined = await ctx.db('documentVersions').where({ id: versionId, documentId }).first();
  if (!version) throw denied({ action: 'document.version.original', subjectType: 'DocumentVersion', subjectId: versionId, roomId: doc.roomId, reason: 'no such version of the document' });
  await assertRoomContentKept(ctx.db, doc.roomId, { action: 'document.version.original', subjectType: 'DocumentVersion', subjectId: versionId });
  const asDelivered: DocumentView = { ...doc, currentVersionId: version.id, version: Number(version.version), objectKey: version.objectKey, size: version.size, sha256: version.sha256, mimeType: version.mimeType, fileName: version.fileName };
  return { doc: asDelivered, ...(await deliverOriginal(ctx, asDelivered)) };
}
