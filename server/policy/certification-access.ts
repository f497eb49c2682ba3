import type { ServiceContext } from '../service-context.js';
import { denied, forbidden } from '../errors.js';
import { asSubject } from './ability.js';
import { roomGateReasons } from './explain-access.js';
import type { RoomRow } from './room-gate.js';

/**
 * Who reaches a room's return-or-destroy certifications, and as whom. Unlike every other part of a
 * room, they are open to an external member whose access has ended: a closed room or an NDA that
 * ended is precisely why a party is asked to certify, so the room gate's `room_closed` and
 * `nda_required` do not apply here (and still apply to everything else of the room). What is about
 * the request itself still holds: the party's IP allow-list and the room's second factor.
 * - the deal team (managers, counsel; admins act as managers) reads every party's requests;
 * - a member reads their own party's, and certifies for it;
 * - anyone else gets the room's 404.
 */
export type CertificationReader = { kind: 'deal_team' } | { kind: 'member'; partyId: string };

export function certificationReaderOf(ctx: Pick<ServiceContext, 'actor' | 'facts' | 'ability'>, room: RoomRow, event: string): CertificationReader {
  if (ctx.ability.can('oversee', asSubject('Room', room))) return { kind: 'deal_team' };
  const membership = ctx.actor.role === 'external' ? ctx.facts.memberships.find((m) => m.roomId === room.id) : undefined;
  // Stryker disable next-line StringLiteral: wording of the ledger's reason
  if (!membership) throw denied({ action: event, subjectType: 'Room', subjectId: room.id, roomId: null, reason: 'certifications not open to caller' });
  const deny = (reason: string, code: 'ip_not_allowed' | 'mfa_required', message: string) =>
    denied({ action: event, subjectType: 'Room', subjectId: room.id, roomId: room.id, reason, details: { reasons: roomGateReasons(ctx.facts, room.id) } }, forbidden(code, message));
  // Stryker disable next-line StringLiteral: wording
  if (!membership.ipAllowed) throw deny('address outside the party IP allow-list', 'ip_not_allowed', "Your network address is not on your party's allow-list for this room.");
  if (membership.requireMfa && !ctx.actor.mfa) {
    // Stryker disable next-line StringLiteral: wording
    throw deny('room requires MFA, request has none', 'mfa_required', 'This room requires two-step verification: enable it and sign in again with a code.');
  }
  return { kind: 'member', partyId: membership.partyId };
}

/**
 * Only a member of the certification's party certifies for it. The deal team sees the request but
 * does not certify on a party's behalf (403: a certificate signed by the seller proves nothing);
 * a member of another party never learns the request exists (the caller's reader already limits
 * what they can find to their own party's, so they get the 404 of a missing id before this).
 */
export function assertMayCertify(reader: CertificationReader, certification: { id: string; roomId: string; partyId: string }, event: string): void {
  if (reader.kind === 'member' && reader.partyId === certification.partyId) return;
  if (reader.kind === 'deal_team') {
    throw denied(
      // Stryker disable next-line StringLiteral: wording of the ledger's reason
      { action: event, subjectType: 'Certification', subjectId: certification.id, roomId: certification.roomId, reason: 'the deal team does not certify for a party' },
      // Stryker disable next-line StringLiteral: wording
      forbidden('forbidden', 'Only a member of the party certifies its return or destruction.'),
    );
  }
  // Stryker disable next-line StringLiteral: wording of the ledger's reason
  throw denied({ action: event, subjectType: 'Certification', subjectId: certification.id, roomId: null, reason: 'certification of another party' });
}
