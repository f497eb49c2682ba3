import { createPublicKey } from 'node:crypto';
import type { Deps, ServiceContext } from '../service-context.js';
import type { Db } from '../db.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { appendAuditEvent, GENESIS_HASH } from '../ledger/ledger.js';
import { recordAllowed } from '../ledger/record.js';
import { loadLedgerKey } from '../ledger/signing-key.js';
import { forgetDocumentText } from '../search/text-jobs.js';
import { conflict, denied, forbidden, notFound } from '../errors.js';
import { certificateDigest, signCertificate, type DeletionCertificate } from './deletion-certificate.js';
import { digestStoredObject, findRoomObjects, type FoundObject } from './room-objects.js';
import {
  archivesBeingBuilt,
  certificateOf,
  certifiedObjects,
  findPurge,
  findPurgeRoom,
  lockPurgeRoom,
  markDeleted,
  recordedKeys,
  recordFoundObjects,
  undeletedKeys,
  type PurgeRoomRow,
} from './repository.js';
import { purgeDueAt } from './retention-schedule.js';

/** Who purges: an administrator, or the retention sweeper (null: the system, as the ledger records it). */
export interface Purger {
  actor: { id: string; name: string; email: string } | null;
  ip: string | null;
  at: string;
}

type PurgeDeps = Pick<Deps, 'db' | 'store' | 'config'>;

/** Objects read or deleted at once: enough to keep a remote store busy, few enough for a small machine. */
const PARALLEL = 8;

async function eachInParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

/**
 * An archive being written reads the room's files and puts its ZIP under the room's prefix when it is
 * done, possibly after any listing the purge makes: the purge waits for it rather than certify a room
 * an object may still land in. The purge stays started meanwhile (no content served or taken), and
 * the next attempt (a POST, the sweeper's next pass) goes on once the build is over.
 */
async function assertNoArchiveBeingBuilt(db: Db, roomId: string): Promise<void> {
  if ((await archivesBeingBuilt(db, roomId)) === 0) return;
  throw denied(
    // Stryker disable next-line StringLiteral: wording of the ledger's reason
    { action: 'room.purge', subjectType: 'Room', subjectId: roomId, roomId, reason: 'archive being built' },
    conflict('archive_building', 'An archive of this room is being built: the purge goes on once it is ready or failed. Ask again then; the room serves no content meanwhile.'),
  );
}

const roomOpenRefusal = (roomId: string) =>
  denied(
    // Stryker disable next-line StringLiteral: wording of the ledger's reason
    { action: 'room.purge', subjectType: 'Room', subjectId: roomId, roomId, reason: 'room open' },
    conflict('room_open', 'Only a closed room can be purged: close the room first.'),
  );

/**
 * Purges a closed room: every stored object of it is recorded with its digest, then deleted; the
 * rows stay (documents, versions, NDAs keep ids, titles and hashes), the room's extracted text and
 * search index go (text is content), and a certificate signed with the ledger's key lists each
 * deleted object. The order makes it resumable: the purge is marked started first (from then on the
 * room serves and takes no content), every object is recorded before it is deleted, and only once
 * nothing is left does the certificate commit. A crash or a store outage anywhere before that leaves
 * a state the next attempt (a second POST, the sweeper's next pass) completes; attempts running at
 * once do the same idempotent steps, and only one of them commits the certificate.
 */
export async function runPurge(deps: PurgeDeps, roomId: string, by: Purger): Promise<{ certificate: DeletionCertificate; completedNow: boolean }> {
  const started = await startPurge(deps.db, roomId, by);
  if (started.certificate) return { certificate: started.certificate, completedNow: false };
  await assertNoArchiveBeingBuilt(deps.db, roomId);
  // Twice: a second inventory after the deletions finds what appeared meanwhile (an archive whose
  // build was under way, a rendition a request made as the purge began), and must find nothing new.
  for (let round = 0; round < 3; round += 1) {
    const recorded = await recordRoomObjects(deps, roomId);
    await deleteRecordedObjects(deps, roomId, by.at);
    if (recorded === 0 && round > 0) break;
  }
  return finishPurge(deps, roomId, by);
}

/** Marks the purge started (once); answers the certificate when the room is purged already. */
async function startPurge(db: Db, roomId: string, by: Purger): Promise<{ certificate: DeletionCertificate | null }> {
  return db.transaction(async (trx) => {
    const room = await lockPurgeRoom(trx, roomId);
    if (!room) throw notFound();
    if (room.purgedAt) return { certificate: certificateOf(await findPurge(trx, roomId)) };
    if (room.status !== 'closed') throw roomOpenRefusal(roomId);
    if (!room.purgeStartedAt) {
      await trx('rooms').where({ id: roomId }).update({ purgeStartedAt: by.at });
      await trx('roomPurges').insert({ roomId, startedAt: by.at, startedBy: by.actor?.id ?? null }).onConflict('roomId').ignore();
      await appendAuditEvent(trx, {
        actorId: by.actor?.id ?? null,
        action: 'room.purge.start',
        subjectType: 'Room',
        subjectId: roomId,
        roomId,
        decision: 'allow',
        details: { trigger: by.actor ? 'admin' : 'retention', ip: by.ip },
      });
    }
    return { certificate: null };
  });
}

/** Records every object of the room not recorded yet, with its size and digest; how many were new. */
async function recordRoomObjects(deps: PurgeDeps, roomId: string): Promise<number> {
  const known = await recordedKeys(deps.db, roomId);
  const fresh = (await findRoomObjects(deps.db, deps.store, roomId)).filter((o) => !known.has(o.key));
  const recorded: Array<FoundObject & { state: 'present' | 'absent' }> = [];
  await eachInParallel(fresh, async (o) => {
    if (o.fromRow) {
      // The row's digest was taken as the bytes were stored; the store is only asked whether it holds them.
      const stat = await deps.store.stat(o.key);
      recorded.push({ ...o, size: stat ? stat.size : o.size, state: stat ? 'present' : 'absent' });
      return;
    }
    const digest = await digestStoredObject(deps.store, o.key);
    // Gone meanwhile: another attempt at this purge recorded it before deleting it.
    if (digest) recorded.push({ ...o, ...digest, state: 'present' });
  });
  await recordFoundObjects(deps.db, roomId, recorded);
  return recorded.filter((o) => o.state === 'present').length;
}

async function deleteRecordedObjects(deps: PurgeDeps, roomId: string, at: string): Promise<void> {
  const keys = await undeletedKeys(deps.db, roomId);
  for (let i = 0; i < keys.length; i += 100) {
    const batch = keys.slice(i, i + 100);
    await eachInParallel(batch, (key) => deps.store.delete(key));
    await markDeleted(deps.db, roomId, batch, at);
  }
}

/** Tombstones the rows, signs the certificate and commits it with the ledger's `room.purge`, once. */
async function finishPurge(deps: PurgeDeps, roomId: string, by: Purger): Promise<{ certificate: DeletionCertificate; completedNow: boolean }> {
  const key = loadLedgerKey(deps.config.audit);
  return deps.db.transaction(async (trx) => {
    const room = await lockPurgeRoom(trx, roomId);
    if (!room) throw notFound();
    if (room.purgedAt) return { certificate: certificateOf(await findPurge(trx, roomId))!, completedNow: false };
    await assertNoArchiveBeingBuilt(trx, roomId);
    const left = await undeletedKeys(trx, roomId);
    if (left.length > 0) throw new Error(`purge of room ${roomId}: ${left.length} objects still to delete`);
    const documentIds: string[] = (await trx('documents').where({ roomId }).select('id')).map((r: { id: string }) => r.id);
    for (const documentId of documentIds) await forgetDocumentText(trx, documentId);
    const objects = await certifiedObjects(trx, roomId);
    const byKind: Record<string, number> = {};
    for (const o of objects) if (o.state === 'deleted') byKind[o.kind] = (byKind[o.kind] ?? 0) + 1;
    const versions = await trx('documentVersions as v').join('documents as d', 'd.id', 'v.documentId').where('d.roomId', roomId).count({ n: '*' }).first();
    const ndas = await trx('ndas').where({ roomId }).count({ n: '*' }).first();
    const head: { seq: number | string; hash: string } | undefined = await trx('auditEvents').orderBy('seq', 'desc').first('seq', 'hash');
    const certificate = signCertificate(key, {
      format: 'gatehouse-deletion-certificate-v1',
      roomId,
      roomName: room.name,
      roomCodeName: room.codeName,
      closedAt: room.closedAt,
      purgeStartedAt: room.purgeStartedAt!,
      purgedAt: by.at,
      purgedBy: by.actor ? { id: by.actor.id, name: by.actor.name, email: by.actor.email } : null,
      trigger: by.actor ? 'admin' : 'retention',
      retainDays: room.retainDays,
      objects,
      counts: {
        objects: objects.length,
        deleted: objects.filter((o) => o.state === 'deleted').length,
        absent: objects.filter((o) => o.state === 'absent').length,
        bytes: objects.reduce((sum, o) => sum + (o.state === 'deleted' ? (o.size ?? 0) : 0), 0),
        byKind,
        documents: documentIds.length,
        versions: Number(versions?.n ?? 0),
        ndas: Number(ndas?.n ?? 0),
      },
      ledgerHead: head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS_HASH },
    });
    const digest = certificateDigest(certificate);
    await trx('roomPurges').where({ roomId }).update({ purgedAt: by.at, purgedBy: by.actor?.id ?? null, certificate: JSON.stringify(certificate), certificateSha256: digest });
    await trx('rooms').where({ id: roomId }).update({ purgedAt: by.at });
    await appendAuditEvent(trx, {
      actorId: by.actor?.id ?? null,
      action: 'room.purge',
      subjectType: 'Room',
      subjectId: roomId,
      roomId,
      decision: 'allow',
      details: { certificateSha256: digest, objects: certificate.counts.deleted, bytes: certificate.counts.bytes, trigger: certificate.trigger, ip: by.ip },
    });
    return { certificate, completedNow: true };
  });
}

/** The ledger's public key, for whoever verifies a certificate (SPKI PEM). */
export const ledgerPublicKeyPem = (config: Deps['config']) => createPublicKey(loadLedgerKey(config.audit).privateKey).export({ format: 'pem', type: 'spki' }).toString();

/** POST /api/rooms/:roomId/purge: an administrator purges a closed room; a purged room answers its certificate again. */
export async function purgeRoom(ctx: ServiceContext, roomId: string): Promise<DeletionCertificate> {
  const room = await findVisibleRoom(ctx, roomId, 'room.purge');
  // Deleting a room's files for good is an administrator's act, never the deal team's.
  if (!ctx.ability.can('edit', 'Directory')) {
    // Stryker disable next-line StringLiteral: wording
    throw denied({ action: 'room.purge', subjectType: 'Room', subjectId: roomId, roomId, reason: 'administrators only' }, forbidden('forbidden', 'Only an administrator may purge a room.'));
  }
  if (room.status !== 'closed') throw roomOpenRefusal(roomId);
  const { certificate, completedNow } = await runPurge(ctx, roomId, { actor: ctx.actor, ip: ctx.client.ip, at: ctx.at });
  // The purge's own event carries the digest; asking again is recorded too, naming the same certificate.
  if (!completedNow) {
    await recordAllowed(ctx.db, ctx, { action: 'room.purge', subjectType: 'Room', subjectId: roomId, roomId, details: { certificateSha256: certificateDigest(certificate), already: true } });
  }
  return certificate;
}

export interface PurgeState {
  status: 'none' | 'scheduled' | 'purging' | 'purged';
  retainDays: number | null;
  closedAt: string | null;
  dueAt: string | null;
  noticeSentAt: string | null;
  startedAt: string | null;
  purgedAt: string | null;
  certificate: DeletionCertificate | null;
}

export function purgeStateOf(room: PurgeRoomRow, certificate: DeletionCertificate | null): PurgeState {
  const dueAt = purgeDueAt(room);
  return {
    status: room.purgedAt ? 'purged' : room.purgeStartedAt ? 'purging' : dueAt ? 'scheduled' : 'none',
    retainDays: room.retainDays,
    closedAt: room.closedAt,
    dueAt,
    noticeSentAt: room.purgeNoticeSentAt,
    startedAt: room.purgeStartedAt,
    purgedAt: room.purgedAt,
    certificate,
  };
}

/** GET /api/rooms/:roomId/purge: where the room stands (scheduled, purging, purged) and its certificate, for room staff. */
export async function readPurge(ctx: ServiceContext, roomId: string): Promise<PurgeState> {
  const visible = await findVisibleRoom(ctx, roomId, 'room.purge.read');
  assertAllowed(ctx, 'oversee', 'Room', visible, { event: 'room.purge.read', roomId, subjectId: roomId, reason: 'room staff only' });
  const room = (await findPurgeRoom(ctx.db, roomId))!;
  const certificate = certificateOf(await findPurge(ctx.db, roomId));
  await recordAllowed(ctx.db, ctx, { action: 'room.purge.read', subjectType: 'Room', subjectId: roomId, roomId, details: certificate ? { certificateSha256: certificateDigest(certificate) } : {} });
  return purgeStateOf(room, certificate);
}
