import { randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import type { Config } from '../config.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { queueMail } from '../mail/outbox.js';
import { certificationRequestedMail, roomLabelFor } from '../mail/templates.js';
import { partiesOfOrg, partyAccess, partyDownloads } from './party-access-history.js';
import { findOpenCertification, insertCertification, lastCertification, type CertificationReason, type CertificationRow } from './repository.js';

/**
 * Opening return-or-destroy requests. Called inside the transaction of the change that ends access
 * (an NDA terminated, the room closed) or by the clock (an NDA expired), so the request, its mail
 * and its ledger events exist exactly when the change does.
 */

type OpenConfig = Pick<Config, 'mail'>;
interface Cause {
  roomId: string;
  reason: CertificationReason;
  at: string;
  /** Who ended the access (counsel terminating, a manager closing); null: the clock. */
  actorId: string | null;
}

/**
 * An NDA of `nda.orgId` stopped covering (terminated or expired): a request opens for each party it
 * could cover whose access has now ended altogether.
 */
export async function openRequestsAfterNdaEnded(trx: Db, config: OpenConfig, nda: { id: string; roomId: string; orgId: string }, cause: Omit<Cause, 'roomId'>) {
  const room: { status: string } | undefined = await trx('rooms').where({ id: nda.roomId }).first('status');
  // A closed room opened its requests when it closed; an NDA ending afterwards ends nothing more.
  if (!room || room.status !== 'open') return [];
  const opened: string[] = [];
  for (const partyId of await partiesOfOrg(trx, nda.roomId, nda.orgId)) {
    const id = await openRequestIfAccessEnded(trx, config, partyId, { ...cause, roomId: nda.roomId }, { ndaId: nda.id });
    if (id) opened.push(id);
  }
  return opened;
}

/** The room closed: every party that had access gets a request (closing ends all of it at once). */
export async function openRequestsAfterRoomClosed(trx: Db, config: OpenConfig, cause: Omit<Cause, 'reason'>) {
  const parties: Array<{ id: string }> = await trx('parties').where({ roomId: cause.roomId }).select('id').orderBy('id');
  const opened: string[] = [];
  for (const { id: partyId } of parties) {
    const id = await openRequestIfAccessEnded(trx, config, partyId, { ...cause, reason: 'room_closed' }, {});
    if (id) opened.push(id);
  }
  return opened;
}

/**
 * Opens the party's request unless it has one open, still has access, or had none since its last
 * request (a party that never had access owes no certification; one certified already owes another
 * only for access it had since). Idempotent across processes: the partial unique index lets one
 * open row per party exist, and only the process whose row it is tells anyone.
 */
async function openRequestIfAccessEnded(trx: Db, config: OpenConfig, partyId: string, cause: Cause, details: Record<string, unknown>): Promise<string | null> {
  if (await findOpenCertification(trx, partyId)) return null;
  const since = (await lastCertification(trx, partyId))?.requestedAt ?? null;
  const access = await partyAccess(trx, cause.roomId, partyId, cause.at, since);
  if ((cause.reason !== 'room_closed' && access.now) || !access.since) return null;
  const row: CertificationRow = {
    id: randomUUID(),
    roomId: cause.roomId,
    partyId,
    status: 'requested',
    reason: cause.reason,
    requestedAt: cause.at,
    requestedBy: cause.actorId,
    statement: null,
    certifiedBy: null,
    certifiedAt: null,
    reminders: 0,
    lastRemindedAt: null,
  };
  await insertCertification(trx, row);
  const open = await findOpenCertification(trx, partyId);
  if (open?.id !== row.id) return null;
  await appendAuditEvent(trx, {
    actorId: cause.actorId,
    action: 'certification.open',
    decision: 'allow',
    subjectType: 'Certification',
    subjectId: row.id,
    roomId: cause.roomId,
    details: { partyId, reason: cause.reason, ...details },
  });
  await mailParty(trx, config, row, 0, cause.at);
  return row.id;
}

/**
 * Mails the party's members about its request (the first mail, or reminder number `reminder`), and
 * records whom. Disabled and erased users are not mailed (they cannot sign in to certify); a
 * member's `notify: off` does not spare them: this is an obligation of their NDA, not a notification.
 */
export async function mailParty(trx: Db, config: OpenConfig, certification: CertificationRow, reminder: number, at: string) {
  const room: { id: string; name: string; codeName: string | null } = await trx('rooms').where({ id: certification.roomId }).first('id', 'name', 'codeName');
  const members: Array<{ id: string; email: string; name: string; role: string }> = await trx('users')
    .join('partyMembers', 'partyMembers.userId', 'users.id')
    .where('partyMembers.partyId', certification.partyId)
    .whereNull('users.disabledAt')
    .whereNull('users.erasedAt')
    .select('users.id', 'users.email', 'users.name', 'users.role')
    .orderBy('users.id');
  const downloads = (await partyDownloads(trx, certification.roomId, certification.partyId, { through: certification.certifiedAt ?? at })).length;
  const url = `${config.mail.publicUrl}/rooms/${room.id}/certifications`;
  for (const user of members) {
    const mail = certificationRequestedMail({ name: user.name, roomLabel: roomLabelFor(room, user), downloads, reminder, url });
    await queueMail(trx, config, { kind: reminder > 0 ? 'certification_reminder' : 'certification_requested', to: user.email, toUserId: user.id, at, ...mail });
  }
  await appendAuditEvent(trx, {
    actorId: null,
    action: reminder > 0 ? 'certification.remind' : 'certification.mail',
    decision: 'allow',
    subjectType: 'Certification',
    subjectId: certification.id,
    roomId: certification.roomId,
    details: { partyId: certification.partyId, recipients: members.map((m) => m.id), ...(reminder > 0 ? { reminder } : {}) },
  });
}
