import type { ServiceContext } from '../service-context.js';
import type { Db } from '../db.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { partyReach } from '../policy/exposure.js';
import { folderSubtrees } from '../policy/access-facts.js';
import { recordAllowed } from '../ledger/record.js';
import { noteDocumentsPublished } from '../mail/notifications.js';
import { invalidRequest } from '../errors.js';
import { classificationRank } from '../ranks.js';
import type { DocumentRow } from '../documents/repository.js';
import type { PublishSelection } from './schema.js';

/** Highly confidential and above (clean-team documents too): what a deal team looks at twice before it leaves. */
const HIGHLY_CONFIDENTIAL_RANK = classificationRank('highly_confidential');

/** Per party: how many of the documents it would gain, and how many of those carry personal data or are highly confidential. */
export interface PartyExposure {
  partyId: string;
  name: string;
  documents: number;
  personalData: number;
  highlyConfidential: number;
}

/** Counts per party of `documentIds` among `documents`. */
export function exposureOf(reach: Array<{ partyId: string; name: string; documentIds: Set<string> }>, documents: Array<Pick<DocumentRow, 'id' | 'personalDataRank' | 'classificationRank'>>): PartyExposure[] {
  return reach.map((p) => {
    const gained = documents.filter((d) => p.documentIds.has(d.id));
    return {
      partyId: p.partyId,
      name: p.name,
      documents: gained.length,
      personalData: gained.filter((d) => Number(d.personalDataRank) > 0).length,
      highlyConfidential: gained.filter((d) => Number(d.classificationRank) >= HIGHLY_CONFIDENTIAL_RANK).length,
    };
  });
}

/**
 * The documents a selection publishes: the drafts of a folder's subtree, named documents that are
 * drafts or withdrawn (naming a withdrawn document puts it back), or, with `all`, every draft of the
 * room (the schemas refuse a selection that chooses nothing). Unknown ids are refused naming the field (staff see everything in their room, so an id
 * not in it is simply wrong). Published documents in the selection are already out: not counted.
 */
async function selectionOf(db: Db, roomId: string, selection: PublishSelection): Promise<DocumentRow[]> {
  const named = [...new Set(selection.documentIds ?? [])];
  if (named.length) {
    const found: string[] = await db('documents').where({ roomId }).whereIn('id', named).pluck('id');
    const unknown = named.filter((id) => !found.includes(id));
    if (unknown.length) throw invalidRequest('Unknown documents.', { documentIds: `not documents of this room: ${unknown.slice(0, 10).join(', ')}` });
  }
  let subtree: string[] = [];
  if (selection.folderId) {
    const folders: Array<{ id: string; parentId: string | null }> = await db('folders').where({ roomId }).select('id', 'parentId');
    if (!folders.some((f) => f.id === selection.folderId)) throw invalidRequest('Unknown folder.', { folderId: 'no such folder in this room' });
    subtree = folderSubtrees(folders)(selection.folderId);
  }
  const q = db('documents').where({ roomId });
  if (selection.all) q.where('status', 'draft');
  else {
    q.where((w) => {
      if (named.length) w.orWhere((n) => n.whereIn('id', named).whereIn('status', ['draft', 'withdrawn']));
      if (selection.folderId) w.orWhere((f) => f.whereIn('folderId', subtree).where('status', 'draft'));
    });
  }
  return q.orderBy('createdAt').orderBy('id').select();
}

async function managedRoom(ctx: ServiceContext, roomId: string, event: string) {
  const room = await findVisibleRoom(ctx, roomId, event);
  assertAllowed(ctx, 'edit', 'Room', room, { event, roomId, subjectId: roomId, reason: 'managers only' });
  return room;
}

/**
 * Before publishing: per party, how many of the selected documents it could view once they are
 * published — the access rule itself, on each member's own facts, with the documents as published.
 */
export async function previewPublication(ctx: ServiceContext, roomId: string, selection: PublishSelection): Promise<{ documents: number; parties: PartyExposure[] }> {
  await managedRoom(ctx, roomId, 'publish.preview');
  const candidates = await selectionOf(ctx.db, roomId, selection);
  const reach = await partyReach(ctx.db, roomId, ctx.at, candidates.map((d) => ({ ...d, status: 'published' })));
  const parties = exposureOf(reach, candidates);
  await recordAllowed(ctx.db, ctx, { action: 'publish.preview', subjectType: 'Room', subjectId: roomId, roomId, details: { ...selection, documents: candidates.length } });
  return { documents: candidates.length, parties };
}

/**
 * Publishes the selection: each document becomes published in one transaction, with one ledger
 * event per document and a notice for the digests (which name a document only to those who may view
 * it). Conditional on the status read, so two publishes at once count each document once.
 */
export async function publish(ctx: ServiceContext, roomId: string, selection: PublishSelection): Promise<{ published: number }> {
  await managedRoom(ctx, roomId, 'publish');
  const published = await ctx.db.transaction(async (trx) => {
    const candidates = await selectionOf(trx, roomId, selection);
    const done: string[] = [];
    for (const doc of candidates) {
      const changed = await trx('documents')
        .where({ id: doc.id, status: doc.status })
        .update({ status: 'published', publishedAt: ctx.at, publishedBy: ctx.actor.id, withdrawnAt: null, withdrawnBy: null, withdrawnReason: null });
      if (changed !== 1) continue;
      done.push(doc.id);
      await recordAllowed(trx, ctx, { action: 'document.publish', subjectType: 'Document', subjectId: doc.id, roomId, details: { from: doc.status, versionId: doc.currentVersionId } });
    }
    await noteDocumentsPublished(trx, roomId, done, ctx.at);
    return done.length;
  });
  return { published };
}
