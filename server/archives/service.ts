import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom, type RoomRow } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { conflict, denied, invalidRequest, notFound, rangeNotSatisfiable } from '../errors.js';
import { assertRoomContentKept, assertRoomTakesContent } from '../purge/purged-content.js';
import { ObjectNotFoundError } from '../../storage/object-store.js';
import { findArchive, insertArchiveJob, listArchivesOfRoom, ROOM_SCOPE, type ArchiveRow } from './repository.js';
import type { CreateArchiveInput } from './schema.js';

/**
 * Archives are the deal team's record: the room's managers and counsel (and admins, who act as
 * managers everywhere). Anyone else — an external member, an expert, a stranger — is answered as
 * for a room that does not exist: they never learn that archives exist.
 */
async function assertMayArchive(ctx: ServiceContext, roomId: string, event: string): Promise<RoomRow> {
  const room = await findVisibleRoom(ctx, roomId, event);
  assertAllowed(ctx, 'oversee', 'Room', room, { event, roomId, subjectId: roomId, reason: 'archives: managers and counsel only', error: notFound() });
  return room;
}

/**
 * Queues an archive of the room (or of what one party was shown). A request while an archive of
 * the same room and scope is still building gets that archive, not a second one: a double click,
 * or two counsel at once, must not start two builds of a 10,000-document room whose content would
 * be the same; once it is ready, a new request builds a new archive (the room may have changed).
 * `created` tells the caller which it was.
 */
export async function requestArchive(ctx: ServiceContext, roomId: string, input: CreateArchiveInput): Promise<{ archive: ArchiveRow; created: boolean }> {
  await assertMayArchive(ctx, roomId, 'archive.create');
  if (input.partyId !== undefined && !(await ctx.db('parties').where({ id: input.partyId, roomId }).first('id'))) {
    // As every body naming an unknown id is answered (grants): 400 naming the field. A party of
    // another room is "unknown" here in the same words.
    throw denied(
      { action: 'archive.create', subjectType: 'Party', subjectId: input.partyId, roomId, reason: 'no such party in this room' },
      invalidRequest('Unknown party.', { partyId: 'no such party in this room' }),
    );
  }
  const scope = input.partyId ?? ROOM_SCOPE;
  return ctx.db.transaction(async (trx) => {
    // Locks the room row as a purge's start does: an archive is queued wholly before a purge, or refused.
    await assertRoomTakesContent(trx, roomId, { action: 'archive.create', subjectType: 'Room', subjectId: roomId });
    const result = await insertArchiveJob(trx, { id: randomUUID(), roomId, partyId: input.partyId ?? null, scope, requestedBy: ctx.actor.id, createdAt: ctx.at });
    await recordAllowed(trx, ctx, {
      action: 'archive.start',
      subjectType: 'Archive',
      subjectId: result.archive.id,
      roomId,
      details: { partyId: input.partyId ?? null, joined: !result.created },
    });
    return result;
  });
}

/** One archive of the room; another room's id (or a made-up one) is a 404 like a missing archive. */
export async function readArchive(ctx: ServiceContext, roomId: string, archiveId: string): Promise<ArchiveRow> {
  await assertMayArchive(ctx, roomId, 'archive.read');
  const archive = await findArchive(ctx.db, roomId, archiveId);
  if (!archive) throw denied({ action: 'archive.read', subjectType: 'Archive', subjectId: archiveId, roomId, reason: 'no such archive in this room' });
  await recordAllowed(ctx.db, ctx, { action: 'archive.read', subjectType: 'Archive', subjectId: archiveId, roomId });
  return archive;
}

export async function listArchives(ctx: ServiceContext, roomId: string): Promise<ArchiveRow[]> {
  await assertMayArchive(ctx, roomId, 'archive.list');
  const items = await listArchivesOfRoom(ctx.db, roomId);
  await recordAllowed(ctx.db, ctx, { action: 'archive.list', subjectType: 'Room', subjectId: roomId, roomId, details: { count: items.length } });
  return items;
}

export interface ArchiveDelivery {
  archive: ArchiveRow;
  size: number;
  /** The bytes to send: the whole ZIP, or the one range asked for. */
  range: { start: number; end: number } | null;
  open(): Promise<Readable>;
}

/**
 * The ZIP of a ready archive, whole or one byte range (`parseRange` reads the request's Range and
 * If-Range against the archive: -1 for a range past the end). Every request for it is a download on the ledger, with its range.
 */
export async function deliverArchive(
  ctx: ServiceContext,
  roomId: string,
  archiveId: string,
  parseRange: (archive: { size: number; sha256: string | null }) => { start: number; end: number } | null | -1,
): Promise<ArchiveDelivery> {
  await assertMayArchive(ctx, roomId, 'archive.download');
  const archive = await findArchive(ctx.db, roomId, archiveId);
  if (!archive) throw denied({ action: 'archive.download', subjectType: 'Archive', subjectId: archiveId, roomId, reason: 'no such archive in this room' });
  await assertRoomContentKept(ctx.db, roomId, { action: 'archive.download', subjectType: 'Archive', subjectId: archiveId });
  if (archive.status !== 'ready') {
    throw denied(
      { action: 'archive.download', subjectType: 'Archive', subjectId: archiveId, roomId, reason: `archive ${archive.status}` },
      conflict('invalid_state', archive.status === 'building' ? 'The archive is still being built; its status shows the progress.' : 'The archive could not be built; request a new one.'),
    );
  }
  const size = Number(archive.size);
  const range = parseRange({ size, sha256: archive.sha256 });
  if (range === -1) {
    throw denied({ action: 'archive.download', subjectType: 'Archive', subjectId: archiveId, roomId, reason: 'range not satisfiable', details: { size } }, rangeNotSatisfiable(size));
  }
  await recordAllowed(ctx.db, ctx, {
    action: 'archive.download',
    subjectType: 'Archive',
    subjectId: archiveId,
    roomId,
    details: { partyId: archive.partyId, sha256: archive.sha256, size, range: range ? `${range.start}-${range.end}` : null },
  });
  return {
    archive,
    size,
    range,
    open: async () => {
      try {
        return await ctx.store.get(archive.objectKey, range ?? undefined);
      } catch (err) {
        // Gone from the store while its row says ready: a purge between the check and the read.
        if (err instanceof ObjectNotFoundError) await assertRoomContentKept(ctx.db, roomId, { action: 'archive.download', subjectType: 'Archive', subjectId: archiveId });
        throw err;
      }
    },
  };
}
