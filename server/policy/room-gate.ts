import type { ServiceContext } from '../service-context.js';
import { denied, type ErrorCode, forbidden, type HttpError, notFound } from '../errors.js';
import { accessibleBy } from './accessible-by.js';
import { roomGateReasons } from './explain-access.js';
import type { AccessFacts } from './access-facts.js';

export interface RoomRow {
  id: string;
  name: string;
  codeName: string | null;
  status: 'open' | 'closed';
  createdBy: string;
  createdAt: string;
  closedAt: string | null;
  /** Staged disclosure: whether a new upload starts as a draft or published at once. */
  uploadsStartAs: DocumentStatusOnUpload;
  /** Retention (server/purge/): days after closing until the files are purged; when they were. */
  retainDays?: number | null;
  purgedAt?: string | null;
}

export type DocumentStatusOnUpload = 'draft' | 'published';

/**
 * The room, if the caller may read it (or, with `list`, find it in their room list: an expert lists
 * the rooms whose questions they answer and reads nothing else of them); otherwise the refusal is
 * recorded and a 404 thrown.
 */
export async function findVisibleRoom(ctx: ServiceContext, roomId: string, event: string, action: 'read' | 'list' = 'read'): Promise<RoomRow> {
  const room: RoomRow | undefined = await ctx.db('rooms')
    .where(accessibleBy(ctx.ability, action, 'Room'))
    .where('rooms.id', roomId)
    .first();
  // Stryker disable next-line StringLiteral: wording of the ledger's reason
  const reason = 'room not visible to caller';
  if (!room) throw denied({ action: event, subjectType: 'Room', subjectId: roomId, roomId: null, reason });
  return room;
}

/**
 * The answer to a content request (`/content`, `/original`) for a document the caller cannot view.
 * It is decided from the caller's own facts, never from the id: a real document of a room they
 * belong to and an id that never existed must read alike, body and timing. An external user whom
 * no NDA covers in any open room they belong to learns that (403 nda_required: docs/http-api.md's answer to
 * an uncovered member's content request), whatever the id; everyone else gets the 404 of a missing id.
 */
export function hiddenContentRefusal(facts: AccessFacts): { reason: string; error: HttpError } {
  const open = facts.memberships.filter((m) => m.roomOpen);
  if (facts.actor.role === 'external' && open.length > 0 && open.every((m) => m.coverage.size === 0)) {
    return {
      // Stryker disable next-line StringLiteral: wording of the ledger's reason
      reason: 'no confirmed NDA covers the caller in any open room',
      error: forbidden('nda_required', NDA_REQUIRED_MESSAGE),
    };
  }
  // Stryker disable next-line StringLiteral: wording of the ledger's reason
  return { reason: 'document not visible to caller', error: notFound() };
}

// Stryker disable next-line StringLiteral: wording
const NDA_REQUIRED_MESSAGE = "Your organisation's confidentiality agreement has not been confirmed yet.";

/**
 * The gate before any of a room's content (lists, files) for an external member: the room must be
 * open (rule 1) and some NDA must cover them (rule 3). They learn only which of the two is missing —
 * facts about themselves, never about the content.
 */
export function assertRoomContentOpen(ctx: Pick<ServiceContext, 'actor' | 'facts'>, room: RoomRow, event: string): void {
  if (ctx.actor.role !== 'external') return;
  const membership = ctx.facts.memberships.find((m) => m.roomId === room.id);
  const deny = (reason: string, code: ErrorCode, message: string) =>
    denied({ action: event, subjectType: 'Room', subjectId: room.id, roomId: room.id, reason, details: { reasons: roomGateReasons(ctx.facts, room.id) } }, forbidden(code, message));
  // The codes are API (docs/http-api.md); the reasons (ledger) and messages are wording, not mutated.
  if (!membership) {
    throw deny(
      // Stryker disable next-line StringLiteral: wording
      'not a member of the room',
      'forbidden',
      // Stryker disable next-line StringLiteral: wording
      'You may not do this.',
    );
  }
  if (!membership.ipAllowed) {
    throw deny(
      // Stryker disable next-line StringLiteral: wording
      'address outside the party IP allow-list',
      'ip_not_allowed',
      // Stryker disable next-line StringLiteral: wording
      "Your network address is not on your party's allow-list for this room.",
    );
  }
  if (membership.requireMfa && !ctx.actor.mfa) {
    throw deny(
      // Stryker disable next-line StringLiteral: wording
      'room requires MFA, request has none',
      'mfa_required',
      // Stryker disable next-line StringLiteral: wording
      'This room requires two-step verification: enable it and sign in again with a code.',
    );
  }
  if (!membership.roomOpen) {
    throw deny(
      // Stryker disable next-line StringLiteral: wording
      'room closed',
      'room_closed',
      // Stryker disable next-line StringLiteral: wording
      'This room is closed.',
    );
  }
  if (membership.coverage.size === 0) {
    throw deny(
      // Stryker disable next-line StringLiteral: wording
      'no confirmed NDA covers the caller',
      'nda_required',
      NDA_REQUIRED_MESSAGE,
    );
  }
}
