import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { assertRoomContentKept, assertRoomTakesContent } from '../purge/purged-content.js';
import { openRequestsAfterNdaEnded } from '../certifications/open-request.js';
import { notifyNdaRegistered, notifyNdaStatus } from '../mail/notifications.js';
import { conflict, denied, invalidRequest } from '../errors.js';
import { parseInput } from '../http/validate.js';
import type { IncomingUpload } from '../uploads/incoming-upload.js';
import { PDF_ONLY } from '../uploads/sniff-type.js';
import { RegisterNdaSchema } from './schema.js';
import { findVisibleNda as findVisibleNdaRow, visibleNdas, type NdaRow } from './repository.js';

export interface NdaView extends NdaRow {
  entityIds: string[];
}

async function withEntities(ctx: ServiceContext, ndas: NdaRow[]): Promise<NdaView[]> {
  const rows: Array<{ ndaId: string; entityId: string }> = ndas.length
    ? await ctx.db('ndaEntities').whereIn('ndaId', ndas.map((n) => n.id)).orderBy('entityId')
    : [];
  return ndas.map((n) => ({ ...n, entityIds: rows.filter((r) => r.ndaId === n.id).map((r) => r.entityId) }));
}

/** Registers an NDA: the signed PDF is streamed to the store first, then the row and its event commit together. */
export async function registerNda(ctx: ServiceContext, roomId: string, upload: IncomingUpload): Promise<NdaView> {
  const room = await findVisibleRoom(ctx, roomId, 'nda.register');
  assertAllowed(ctx, 'registerNda', 'Room', room, { event: 'nda.register', roomId, subjectId: roomId, reason: 'managers and counsel only' });
  const { fields, file } = await upload.toStore({ store: ctx.store, maxBytes: ctx.config.maxUploadBytes, keyPrefix: 'ndas', acceptedTypes: PDF_ONLY });
  try {
    if (!file) throw invalidRequest('The signed NDA (a PDF) is missing.', { file: 'required' });
    const input = parseInput(RegisterNdaSchema, fields);
    const org = await ctx.db('orgs').where({ id: input.orgId }).first();
    if (!org || org.kind === 'seller') throw invalidRequest('The counterparty must be an acquirer or advisor organisation.', { orgId: 'not an acquirer or advisor organisation' });
    const roomEntities: string[] = (await ctx.db('roomEntities').where({ roomId }).select('entityId')).map((r: { entityId: string }) => r.entityId);
    const entityIds = [...new Set(input.entityIds)];
    const outside = entityIds.filter((e) => !roomEntities.includes(e));
    if (outside.length) throw invalidRequest("Entities outside the room's targets.", { entityIds: `not targeted by this room: ${outside.join(', ')}` });
    const nda: NdaRow = {
      id: randomUUID(),
      roomId,
      orgId: input.orgId,
      kind: input.kind,
      status: 'pending',
      signedAt: input.signedAt,
      effectiveAt: input.effectiveAt,
      expiresAt: input.expiresAt,
      coversRepresentatives: input.coversRepresentatives,
      objectKey: file.objectKey,
      sha256: file.sha256,
      size: file.size,
      fileName: file.fileName,
      registeredBy: ctx.actor.id,
      registeredAt: ctx.at,
      confirmedBy: null,
      confirmedAt: null,
      decidedBy: null,
      decidedAt: null,
      reason: null,
    };
    await ctx.db.transaction(async (trx) => {
      await assertRoomTakesContent(trx, roomId, { action: 'nda.register', subjectType: 'Room', subjectId: roomId });
      await trx('ndas').insert(nda);
      await trx('ndaEntities').insert(entityIds.map((entityId) => ({ ndaId: nda.id, entityId })));
      await recordAllowed(trx, ctx, {
        action: 'nda.register',
        subjectType: 'Nda',
        subjectId: nda.id,
        roomId,
        details: { orgId: nda.orgId, kind: nda.kind, entityIds, sha256: nda.sha256, effectiveAt: nda.effectiveAt, expiresAt: nda.expiresAt, coversRepresentatives: input.coversRepresentatives },
      });
      await notifyNdaRegistered(trx, ctx.config, nda, ctx.at);
    });
    return { ...nda, entityIds };
  } catch (err) {
    if (file) await ctx.store.delete(file.objectKey).catch(() => undefined);
    throw err;
  }
}

export async function listNdas(ctx: ServiceContext, roomId: string): Promise<NdaView[]> {
  await findVisibleRoom(ctx, roomId, 'nda.list');
  const ndas = await visibleNdas(ctx, roomId);
  return withEntities(ctx, ndas);
}

/**
 * The NDA, if the caller may see it. The room comes first: a refusal names a room in the ledger
 * (and so joins that room's trail) only when the caller can see the room, so nobody writes events
 * with made-up ids into the trail of a deal they have no part in.
 */
export async function findVisibleNda(ctx: ServiceContext, roomId: string, ndaId: string, event: string): Promise<NdaRow> {
  await findVisibleRoom(ctx, roomId, event);
  const nda = await findVisibleNdaRow(ctx, roomId, ndaId);
  if (!nda) throw denied({ action: event, subjectType: 'Nda', subjectId: ndaId, roomId, reason: 'NDA not visible to caller' });
  return nda;
}

type Transition = { action: 'confirm' | 'reject' | 'terminate'; event: string; from: NdaRow['status']; to: NdaRow['status'] };
const CONFIRM: Transition = { action: 'confirm', event: 'nda.confirm', from: 'pending', to: 'confirmed' };
const REJECT: Transition = { action: 'reject', event: 'nda.reject', from: 'pending', to: 'rejected' };
const TERMINATE: Transition = { action: 'terminate', event: 'nda.terminate', from: 'confirmed', to: 'terminated' };

/**
 * Counsel's decisions on an NDA, as the ability rules them (counsel of the room; four eyes: whoever
 * registered it never confirms it). The status update is conditional on the status read, so two
 * counsel deciding at once cannot both win.
 */
async function decide(ctx: ServiceContext, roomId: string, ndaId: string, t: Transition, reason: string | undefined): Promise<NdaView> {
  const nda = await findVisibleNda(ctx, roomId, ndaId, t.event);
  assertAllowed(ctx, t.action, 'Nda', nda, { event: t.event, roomId, subjectId: ndaId, reason: 'counsel only' });
  const at = ctx.at;
  const update = t === CONFIRM ? { status: t.to, confirmedBy: ctx.actor.id, confirmedAt: at } : { status: t.to, decidedBy: ctx.actor.id, decidedAt: at, reason: reason ?? null };
  const changed = await ctx.db.transaction(async (trx) => {
    const n = await trx('ndas').where({ id: ndaId, status: t.from }).update(update);
    if (n !== 1) return false;
    await recordAllowed(trx, ctx, { action: t.event, subjectType: 'Nda', subjectId: ndaId, roomId, details: { from: t.from, to: t.to, reason, orgId: nda.orgId } });
    // The counterparty hears of access that opens now or closes; an NDA registered for the record
    // (already expired, or effective later) opens nothing today and is not announced as open.
    const inForce = nda.effectiveAt <= at && at < nda.expiresAt;
    if ((t === CONFIRM && inForce) || t === TERMINATE) await notifyNdaStatus(trx, ctx.config, nda, t === CONFIRM ? 'confirmed' : 'terminated', at);
    // A party this NDA was the last to cover is asked to certify return or destruction.
    if (t === TERMINATE) await openRequestsAfterNdaEnded(trx, ctx.config, nda, { reason: 'nda_terminated', at, actorId: ctx.actor.id });
    return true;
  });
  if (!changed) {
    throw denied({ action: t.event, subjectType: 'Nda', subjectId: ndaId, roomId, reason: `status is ${nda.status}, not ${t.from}` },
      conflict('invalid_state', `Only a ${t.from} NDA can become ${t.to}; this one is ${nda.status}.`),
    );
  }
  const [view] = await withEntities(ctx, [{ ...nda, ...update } as NdaRow]);
  return view;
}

export const confirmNda = (ctx: ServiceContext, roomId: string, ndaId: string) => decide(ctx, roomId, ndaId, CONFIRM, undefined);
export const rejectNda = (ctx: ServiceContext, roomId: string, ndaId: string, reason: string) => decide(ctx, roomId, ndaId, REJECT, reason);
export const terminateNda = (ctx: ServiceContext, roomId: string, ndaId: string, reason: string) => decide(ctx, roomId, ndaId, TERMINATE, reason);

export async function openNdaFile(ctx: ServiceContext, roomId: string, ndaId: string) {
  const nda = await findVisibleNda(ctx, roomId, ndaId, 'nda.file');
  assertAllowed(ctx, 'readFile', 'Nda', nda, { event: 'nda.file', roomId, subjectId: ndaId, reason: 'room staff only' });
  await assertRoomContentKept(ctx.db, roomId, { action: 'nda.file', subjectType: 'Nda', subjectId: ndaId });
  const stream = await ctx.store.get(nda.objectKey);
  await recordAllowed(ctx.db, ctx, { action: 'nda.file', subjectType: 'Nda', subjectId: ndaId, roomId, details: { sha256: nda.sha256 } });
  return { nda, stream };
}
