import type { Knex } from 'knex';
import type { Db } from '../db.js';
import { replaceDocumentPages } from './text-index.js';

/**
 * The queue of text extraction: document_text's pending rows (migration full-text-search). One row
 * per document, for its current version; queuing a newer version replaces the row, so a document is
 * extracted once for the version it has, however often it changed while it waited.
 */

export type TextStatus = 'pending' | 'indexed' | 'none' | 'failed';

export interface TextJob {
  documentId: string;
  roomId: string;
  versionId: string;
  attempts: number;
}

/**
 * Queues `versionId` of the document for extraction, in the transaction that makes it current.
 * What the index held for the document goes at once: a search never finds the words of a version
 * that is no longer the one delivered.
 */
export async function queueTextExtraction(trx: Knex.Transaction | Db, job: { documentId: string; roomId: string; versionId: string }, at: string): Promise<void> {
  await trx('documentText')
    .insert({ ...job, status: 'pending', reason: null, pages: 0, ocrPages: 0, attempts: 0, runAfter: at, claimedBy: null, claimedUntil: null, updatedAt: at })
    .onConflict('documentId')
    .merge();
  await replaceDocumentPages(trx, job.documentId, []);
}

/**
 * Every document of the room queued again (the re-index command), each for its current version:
 * what the index holds for a document stays until it is re-extracted. Returns how many were queued.
 */
export async function requeueRoom(db: Db, roomId: string, at: string): Promise<number> {
  const documents: Array<{ id: string; currentVersionId: string }> = await db('documents').where({ roomId }).whereNotNull('currentVersionId').select('id', 'currentVersionId');
  for (let i = 0; i < documents.length; i += 500) {
    await db('documentText')
      .insert(documents.slice(i, i + 500).map((d) => ({ documentId: d.id, roomId, versionId: d.currentVersionId, status: 'pending', reason: null, pages: 0, ocrPages: 0, attempts: 0, runAfter: at, claimedBy: null, claimedUntil: null, updatedAt: at })))
      .onConflict('documentId')
      .merge(['versionId', 'status', 'reason', 'attempts', 'runAfter', 'claimedBy', 'claimedUntil', 'updatedAt']);
  }
  return documents.length;
}

/**
 * Leases the next due job to `worker` until `leaseUntil`, or null when none is due. The lease is a
 * conditional UPDATE on the row as read, so two processes never both take one; a process that dies
 * holding a lease leaves the job to whoever comes after the lease ends.
 */
export async function claimTextJob(db: Db, worker: string, at: string, leaseUntil: string): Promise<TextJob | null> {
  for (let tries = 0; tries < 5; tries++) {
    const next = await db('documentText')
      .where({ status: 'pending' })
      .where('runAfter', '<=', at)
      .where((q) => q.whereNull('claimedUntil').orWhere('claimedUntil', '<', at))
      .orderBy('runAfter')
      .first('documentId', 'roomId', 'versionId', 'attempts', 'claimedUntil');
    if (!next) return null;
    const taken = await db('documentText')
      .where({ documentId: next.documentId, versionId: next.versionId, status: 'pending' })
      .where((q) => (next.claimedUntil === null ? q.whereNull('claimedUntil') : q.where('claimedUntil', next.claimedUntil)))
      .update({ claimedBy: worker, claimedUntil: leaseUntil, attempts: Number(next.attempts) + 1, updatedAt: at });
    if (taken === 1) return { documentId: next.documentId, roomId: next.roomId, versionId: next.versionId, attempts: Number(next.attempts) + 1 };
  }
  return null;
}

export type TextOutcome =
  | { status: 'indexed' | 'none'; pages: Array<{ page: number; text: string }>; ocrPages: number; reason?: string | null }
  | { status: 'failed'; reason: string }
  | { status: 'retry'; reason: string; runAfter: string };

/**
 * Records what the extraction of `job` came to, and its pages in the index, in one transaction —
 * only if the job is still this worker's and still for the document's current version (a newer
 * version queued meanwhile wins, and this result is dropped). Returns whether it was recorded.
 */
export async function finishTextJob(db: Db, job: TextJob, worker: string, outcome: TextOutcome, at: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const mine = trx('documentText').where({ documentId: job.documentId, versionId: job.versionId, claimedBy: worker, status: 'pending' });
    if (outcome.status === 'retry') {
      return (await mine.update({ reason: outcome.reason, runAfter: outcome.runAfter, claimedBy: null, claimedUntil: null, updatedAt: at })) === 1;
    }
    const pages = outcome.status === 'failed' ? [] : outcome.pages;
    const updated = await mine.update({
      status: outcome.status,
      reason: outcome.reason ?? null,
      pages: pages.length,
      ocrPages: outcome.status === 'failed' ? 0 : outcome.ocrPages,
      claimedBy: null,
      claimedUntil: null,
      updatedAt: at,
    });
    if (updated !== 1) return false;
    await replaceDocumentPages(trx, job.documentId, pages);
    return true;
  });
}

/** The `textStatus` of each document (and the reason of a failure); a document with no row has no text to index. */
export async function textStatusOf(db: Db, documentIds: string[]): Promise<Map<string, { status: TextStatus; reason: string | null }>> {
  const rows: Array<{ documentId: string; status: TextStatus; reason: string | null }> = documentIds.length
    ? await db('documentText').whereIn('documentId', documentIds).select('documentId', 'status', 'reason')
    : [];
  return new Map(rows.map((r) => [r.documentId, { status: r.status, reason: r.reason }]));
}

/** Removes a document from the index and the queue (the document is deleted). */
export async function forgetDocumentText(trx: Knex.Transaction | Db, documentId: string): Promise<void> {
  await replaceDocumentPages(trx, documentId, []);
  await trx('documentText').where({ documentId }).delete();
}
