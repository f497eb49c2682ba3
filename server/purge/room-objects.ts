import { createHash } from 'node:crypto';
import type { Db } from '../db.js';
import { ObjectNotFoundError, type ObjectStore } from '../../storage/object-store.js';
import { uploadKeyOf } from '../maintenance/orphan-sweeper.js';

/** An object of the room found by the inventory, with its digest when known without reading it. */
export interface FoundObject {
  key: string;
  kind: string;
  subjectId: string | null;
  size: number | null;
  sha256: string | null;
  /** A row names it as its upload: the digest and size come from the row, the store is only asked whether it holds it. */
  fromRow: boolean;
}

/** The upload prefixes the server stores a room's files under; their keys carry no room (uploads/multipart-upload.ts). */
const UPLOAD_PREFIXES = ['versions/', 'ndas/'] as const;
/** Archives are the one kind of object keyed by room (server/archives). */
export const archivePrefixOf = (roomId: string) => `archives/${roomId}/`;

/** What the server derives from an upload is stored as `<upload key>.<suffix>` (see uploadKeyOf): named by its suffix. */
function derivedKindOf(key: string): string {
  const suffix = key.slice(uploadKeyOf(key).length);
  if (suffix.startsWith('.rendition-') && suffix.endsWith('.json')) return 'rendition-index';
  if (suffix.startsWith('.rendition-')) return 'rendition';
  if (suffix.startsWith('.rows-')) return 'row-store';
  if (suffix.startsWith('.copy-')) return 'party-copy';
  return 'derived';
}

/**
 * Every stored object of the room, found two ways so nothing stays behind: from the rows (each
 * version's and NDA's upload, each stamping rendition and index), and from the store, listed under
 * the upload prefixes and kept when its upload key is one of the room's (row stores and party copies
 * are recorded nowhere else), plus the room's archives prefix. An upload key another room's row also
 * names is left out: a purge never touches another room's objects.
 */
export async function findRoomObjects(db: Db, store: ObjectStore, roomId: string): Promise<FoundObject[]> {
  const found = new Map<string, FoundObject>();
  const add = (o: FoundObject) => {
    if (!found.has(o.key)) found.set(o.key, o);
  };
  const versions: Array<{ id: string; objectKey: string; size: number | string; sha256: string }> = await db('documentVersions as v')
    .join('documents as d', 'd.id', 'v.documentId')
    .where('d.roomId', roomId)
    .select('v.id', 'v.objectKey', 'v.size', 'v.sha256');
  const ndas: Array<{ id: string; objectKey: string; size: number | string; sha256: string }> = await db('ndas').where({ roomId }).select('id', 'objectKey', 'size', 'sha256');
  const shared = await uploadKeysOfOtherRooms(db, roomId, [...versions, ...ndas].map((r) => r.objectKey));
  for (const v of versions) if (!shared.has(v.objectKey)) add({ key: v.objectKey, kind: 'version', subjectId: v.id, size: Number(v.size), sha256: v.sha256, fromRow: true });
  for (const n of ndas) if (!shared.has(n.objectKey)) add({ key: n.objectKey, kind: 'nda', subjectId: n.id, size: Number(n.size), sha256: n.sha256, fromRow: true });

  const renditions: Array<{ versionId: string; objectKey: string | null; indexKey: string | null; size: number | string | null; sha256: string | null }> = await db('stampRenditions as r')
    .join('documentVersions as v', 'v.id', 'r.versionId')
    .join('documents as d', 'd.id', 'v.documentId')
    .where('d.roomId', roomId)
    .select('r.versionId', 'r.objectKey', 'r.indexKey', 'r.size', 'r.sha256');
  const uploads = new Map([...versions, ...ndas].filter((r) => !shared.has(r.objectKey)).map((r) => [r.objectKey, r.id]));
  for (const r of renditions) {
    // A rendition lives under its upload's key; one under a key the room does not own is not the room's to delete.
    if (r.objectKey && uploads.has(uploadKeyOf(r.objectKey))) {
      // Its row's digest is of the stamping base; the store is read anyway when the row has none.
      add({ key: r.objectKey, kind: 'rendition', subjectId: r.versionId, size: r.size === null ? null : Number(r.size), sha256: r.sha256, fromRow: r.sha256 !== null });
    }
    if (r.indexKey && uploads.has(uploadKeyOf(r.indexKey))) add({ key: r.indexKey, kind: 'rendition-index', subjectId: r.versionId, size: null, sha256: null, fromRow: false });
  }

  for (const prefix of UPLOAD_PREFIXES) {
    for await (const object of store.list(prefix)) {
      const upload = uploadKeyOf(object.key);
      if (object.key === upload || !uploads.has(upload)) continue;
      add({ key: object.key, kind: derivedKindOf(object.key), subjectId: uploads.get(upload)!, size: object.size, sha256: null, fromRow: false });
    }
  }
  for await (const object of store.list(archivePrefixOf(roomId))) {
    const name = object.key.slice(archivePrefixOf(roomId).length);
    add({ key: object.key, kind: 'archive', subjectId: name.replace(/\.zip$/, '') || null, size: object.size, sha256: null, fromRow: false });
  }
  return [...found.values()];
}

/** Upload keys of `keys` that a version or NDA of another room names too (none, unless rows were copied by hand). */
async function uploadKeysOfOtherRooms(db: Db, roomId: string, keys: string[]): Promise<Set<string>> {
  const shared = new Set<string>();
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500);
    const rows: Array<{ objectKey: string }> = [
      ...(await db('documentVersions as v').join('documents as d', 'd.id', 'v.documentId').whereIn('v.objectKey', batch).whereNot('d.roomId', roomId).select('v.objectKey')),
      ...(await db('ndas').whereIn('objectKey', batch).whereNot({ roomId }).select('objectKey')),
    ];
    for (const r of rows) shared.add(r.objectKey);
  }
  return shared;
}

/**
 * The size and SHA-256 of a stored object, read through once; null when the store does not hold it
 * (deleted meanwhile by a concurrent attempt at the same purge, which recorded it first).
 */
export async function digestStoredObject(store: ObjectStore, key: string): Promise<{ size: number; sha256: string } | null> {
  let stream;
  try {
    stream = await store.get(key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return null;
    throw err;
  }
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (err) {
    if (err instanceof ObjectNotFoundError || (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return { size, sha256: hash.digest('hex') };
}
