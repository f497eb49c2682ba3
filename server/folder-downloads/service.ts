import type { Readable, Writable } from 'node:stream';
import ZipStream from 'zip-stream';
import type { ServiceContext } from '../service-context.js';
import { assertRoomContentOpen, findVisibleRoom, type RoomRow } from '../policy/room-gate.js';
import { assertRoomContentKept } from '../purge/purged-content.js';
import { accessibleBy } from '../policy/accessible-by.js';
import { denied, DeniedError, HttpError } from '../errors.js';
import { recordAllowed, recordRefusal } from '../ledger/record.js';
import { documentsWithVersion, type DocumentView } from '../documents/repository.js';
import { documentIndexesFor } from '../documents/caller-indexes.js';
import { folderIndexesFor } from '../folders/caller-indexes.js';
import { compareIndexes } from '../folders/folder-index.js';
import { visibleFolderRows, type FolderRow } from '../folders/repository.js';
import { deliverStamped } from '../downloads/service.js';
import { deliverDataset } from '../datasets/service.js';
import { zipEntryName } from './entry-names.js';

/** One document of the ZIP: where it goes, under the caller's own numbering. */
interface PlannedDocument {
  doc: DocumentView;
  index: string;
  /** The folder segments above it, from the folder asked for down ("2 Legal", "2.1 Contracts"). */
  folders: string[];
}

export interface FolderZipPlan {
  room: RoomRow;
  /** The download's file name (before Content-Disposition makes it safe). */
  fileName: string;
  documents: PlannedDocument[];
}

/** Stamped deliveries that are images are named after what was delivered; PDFs are always PDFs. */
const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/tiff': '.tif',
  'image/gif': '.gif',
};

/** What the caller is told of documents left out: in the ZIP itself, at its top. */
export const MANIFEST_NAME = 'NOT INCLUDED.txt';

/**
 * What `GET /api/rooms/:roomId/download.zip` will hold for the caller, decided before a byte leaves:
 * every document of the subtree they may download (the Document rules' own SQL filter at level
 * `download`, so drafts, withdrawn documents, other parties' and over-limit documents are never
 * read, let alone named), each placed under the caller's numbering of folders and documents. The
 * gate is the document list's: an outsider without NDA cover gets its 403; a folder the caller
 * cannot see reads exactly like an id that never existed.
 */
export async function planFolderZip(ctx: ServiceContext, roomId: string, folderId: string | undefined): Promise<FolderZipPlan> {
  const room = await findVisibleRoom(ctx, roomId, 'folder.download');
  assertRoomContentOpen(ctx, room, 'folder.download');
  await assertRoomContentKept(ctx.db, roomId, { action: 'folder.download', subjectType: 'Room', subjectId: roomId });
  let root: FolderRow | undefined;
  if (folderId !== undefined) {
    root = await visibleFolderRows(ctx).where('folders.roomId', roomId).where('folders.id', folderId).first();
    if (!root) throw denied({ action: 'folder.download', subjectType: 'Folder', subjectId: folderId, roomId, reason: 'folder not visible to caller' });
  }

  const tree: Array<Pick<FolderRow, 'id' | 'parentId' | 'name'>> = await ctx.db('folders').where({ roomId }).select('id', 'parentId', 'name');
  const byId = new Map(tree.map((f) => [f.id, f]));
  const subtree = root ? subtreeOf(tree, root.id) : null;
  const query = documentsWithVersion(ctx.db).where(accessibleBy(ctx.ability, 'download', 'Document')).where('documents.roomId', roomId);
  if (subtree) query.whereIn('documents.folderId', [...subtree]);
  const docs: DocumentView[] = await query;

  // The folders on the way down to each document: only these are named in the ZIP, and each of them
  // is above a document the caller may view, so it is one of theirs to see.
  const pathOf = new Map<string, string[]>();
  for (const d of docs) {
    if (pathOf.has(d.folderId)) continue;
    const chain: string[] = [];
    for (let id: string | null = d.folderId, depth = 0; id && depth <= tree.length; depth++) {
      chain.unshift(id);
      if (id === root?.id) break;
      id = byId.get(id)?.parentId ?? null;
    }
    pathOf.set(d.folderId, chain);
  }
  const folderIndexes = await folderIndexesFor(ctx, roomId, [...new Set([...pathOf.values()].flat())]);
  const docIndexes = await documentIndexesFor(ctx, roomId, docs);
  const segment = (id: string) => zipEntryName.segment(`${folderIndexes.get(id)} ${byId.get(id)?.name ?? ''}`);

  const documents = docs
    .map((doc) => ({ doc, index: docIndexes.get(doc.id)!, folders: pathOf.get(doc.folderId)!.map(segment) }))
    .sort((a, b) => compareIndexes(a.index, b.index) || (a.doc.id < b.doc.id ? -1 : 1));
  const base = room.codeName ?? room.name;
  const fileName = root ? `${base} - ${folderIndexes.get(root.id) ?? ''} ${root.name}.zip` : `${base}.zip`;
  await recordAllowed(ctx.db, ctx, {
    action: 'folder.download',
    subjectType: root ? 'Folder' : 'Room',
    subjectId: root?.id ?? roomId,
    roomId,
    details: { folderId: root?.id ?? null, documents: documents.length },
  });
  return { room, fileName, documents };
}

function subtreeOf(tree: Array<{ id: string; parentId: string | null }>, rootId: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const f of tree) if (f.parentId) children.set(f.parentId, [...(children.get(f.parentId) ?? []), f.id]);
  const out = new Set<string>();
  const stack = [rootId];
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return out;
}

/** A delivery that cannot be made for this caller (not stampable, a dataset not ready for them): left out and listed. */
const isLeftOut = (err: unknown): err is HttpError => err instanceof HttpError && [403, 409, 422].includes(err.status);

/**
 * Streams the planned ZIP into `out`: each document is stamped (or, a dataset, cut for the caller)
 * as its own download with its own id — recorded, with its ledger event, before its bytes leave —
 * and stored in the ZIP as it streams, one at a time, so neither a document nor the ZIP is ever
 * held whole. The first entry goes out while the rest are not stamped yet; when the caller goes
 * away, nothing more is stamped or recorded.
 *
 * Resolves once the archive is complete. Rejects when a delivery fails midway; the caller must then
 * destroy the response, so the client never receives a valid archive silently missing a file.
 */
export async function writeFolderZip(ctx: ServiceContext, plan: FolderZipPlan, out: Writable): Promise<void> {
  const zip = new ZipStream({ store: true, forceZip64: false });
  const names = zipEntryName.unique();
  const leftOut: string[] = [];
  let failure: Error | null = null;
  const gone = () => failure !== null || out.destroyed || out.writableEnded;
  const failed = new Promise<never>((_resolve, reject) => {
    zip.on('error', (err) => reject((failure ??= err)));
    out.on('error', (err) => reject((failure ??= err)));
    out.on('close', () => {
      if (!out.writableFinished) reject((failure ??= new Error('the client went away')));
    });
  });
  failed.catch(() => undefined);
  zip.pipe(out);

  const add = (source: Readable | Buffer, name: string) =>
    Promise.race([
      new Promise<void>((resolve, reject) => {
        if (typeof (source as Readable).on === 'function') (source as Readable).on('error', (err) => reject((failure ??= err)));
        zip.entry(source, { name, store: true, date: new Date(ctx.at) }, (err) => (err ? reject((failure ??= err)) : resolve()));
      }),
      failed,
    ]);

  for (const { doc, index, folders } of plan.documents) {
    if (gone()) break;
    const stem = `${index} ${doc.title}`;
    let body: Readable;
    let extension: string;
    try {
      if (doc.kind === 'dataset') {
        // A dataset is delivered as from its content route: this caller's rows and columns, in an order only this download has.
        const delivery = await deliverDataset(ctx, plan.room, doc, 'download', {});
        body = delivery.body;
        extension = `.${delivery.format}`;
      } else {
        const delivery = await deliverStamped(ctx, plan.room, doc, 'download');
        body = await delivery.open();
        extension = EXTENSIONS[delivery.mimeType] ?? '';
      }
    } catch (err) {
      if (!isLeftOut(err)) throw err;
      // Refused for this document alone: on the record like the same refusal of a single request.
      if (err instanceof DeniedError) await recordRefusal(ctx.db, ctx, err.refusal, err.status);
      leftOut.push(`${[...folders, zipEntryName.segment(stem)].join('/')}: ${err.message}`);
      continue;
    }
    if (gone()) {
      body.destroy();
      break;
    }
    await add(body, names.take(folders, stem, extension));
  }
  if (gone()) throw failure ?? new Error('the client went away');

  if (leftOut.length > 0) {
    const text = [
      'These documents of the folder are yours to download but could not be included in this ZIP:',
      '',
      ...leftOut,
      '',
    ].join('\r\n');
    await add(Buffer.from(text, 'utf8'), names.take([], MANIFEST_NAME.replace(/\.txt$/, ''), '.txt'));
  }
  const finished = new Promise<void>((resolve) => out.on('finish', resolve));
  zip.finalize();
  await Promise.race([finished, failed]);
}
