import { randomUUID } from 'node:crypto';
import { notifiable } from './recipients.js';
import type { Db } from '../db.js';
import { isPostgres } from '../db.js';
import type { Config } from '../config.js';
import { toActor } from '../auth/actor.js';
import { loadAccess } from '../policy/load-access.js';
import { visibleDocumentRows } from '../documents/repository.js';
import type { UserRow } from '../users/repository.js';
import { queueMail } from './outbox.js';
import { documentsDigestMail, ndaRegisteredMail, ndaStatusMail, roomLabelFor } from './templates.js';
import type { MailJob } from './worker.js';

/**
 * Notifications: who is told what, by the access rule. Recipients are found by their part in the
 * deal (counsel of the room, the counterparty's members), and what a mail names is what that
 * recipient may see: rooms by their label for the recipient; documents only when the recipient's
 * ability, computed when the digest is made, lets them view it. Users who chose `notify: off` get none.
 */

type Recipient = Pick<UserRow, 'id' | 'email' | 'name' | 'role'> & { status: string };
interface RoomNaming {
  id: string;
  name: string;
  codeName: string | null;
}

const roomUrl = (config: Pick<Config, 'mail'>, roomId: string, tab = '') => `${config.mail.publicUrl}/rooms/${roomId}${tab ? `/${tab}` : ''}`;

/** Users who take notifications: not disabled, not erased, not `off`. */

/** An NDA was registered: the room's counsel other than the registrant are asked to confirm it. */
export async function notifyNdaRegistered(trx: Db, config: Pick<Config, 'mail'>, nda: { roomId: string; orgId: string; registeredBy: string }, at: string) {
  const room: RoomNaming = await trx('rooms').where({ id: nda.roomId }).first('id', 'name', 'codeName');
  const org = await trx('orgs').where({ id: nda.orgId }).first('name');
  const counsel: Recipient[] = await notifiable(trx('users').join('roomStaff', 'roomStaff.userId', 'users.id'))
    .where({ 'roomStaff.roomId': nda.roomId, 'roomStaff.role': 'counsel' })
    .whereNot('users.id', nda.registeredBy)
    .select('users.id', 'users.email', 'users.name', 'users.role', 'users.status');
  for (const user of counsel) {
    const mail = ndaRegisteredMail({ name: user.name, roomLabel: roomLabelFor(room, user), partyName: org?.name ?? 'a counterparty', url: roomUrl(config, room.id, 'ndas') });
    await queueMail(trx, config, { kind: 'nda_registered', to: user.email, toUserId: user.id, at, ...mail });
  }
}

/**
 * An NDA was confirmed, terminated or expired: the counterparty's members of that room are told
 * (and, when it covers representatives, the members from the advisors of the parties it signed for).
 */
export async function notifyNdaStatus(
  trx: Db,
  config: Pick<Config, 'mail'>,
  nda: { roomId: string; orgId: string; coversRepresentatives: boolean | number },
  status: 'confirmed' | 'terminated' | 'expired',
  at: string,
) {
  const room: RoomNaming = await trx('rooms').where({ id: nda.roomId }).first('id', 'name', 'codeName');
  // The counterparty's own people, in whichever party; and, when it covers representatives, the
  // advisors' people in the parties this counterparty leads only. An advisor firm may advise two
  // bidders of one room: its people in the other bidder's party are not covered by this NDA, and
  // must not learn that it opened or closed (parties never learn of each other).
  const members: Recipient[] = await notifiable(trx('users').join('partyMembers', 'partyMembers.userId', 'users.id'))
    .where('partyMembers.roomId', nda.roomId)
    .where((who) => {
      who.where('users.orgId', nda.orgId);
      if (nda.coversRepresentatives) {
        who.orWhere((advisor) =>
          advisor
            .whereIn('partyMembers.partyId', trx('parties').select('id').where({ roomId: nda.roomId, acquirerOrgId: nda.orgId }))
            .whereExists(trx('partyAdvisors').select(trx.raw('1')).where('partyAdvisors.partyId', trx.ref('partyMembers.partyId')).where('partyAdvisors.orgId', trx.ref('users.orgId'))),
        );
      }
    })
    .select('users.id', 'users.email', 'users.name', 'users.role', 'users.status');
  for (const user of members) {
    const mail = ndaStatusMail({ name: user.name, roomLabel: roomLabelFor(room, user), status, url: roomUrl(config, room.id), invited: user.status === 'invited' });
    await queueMail(trx, config, { kind: 'nda_status', to: user.email, toUserId: user.id, at, ...mail });
  }
}

/** Documents became visible to the deal (uploaded, a new version): each user's digest will consider them. */
export async function noteDocumentsPublished(trx: Db, roomId: string, documentIds: string[], at: string) {
  if (documentIds.length === 0) return;
  await trx('documentNotices').insert(documentIds.map((documentId) => ({ id: randomUUID(), roomId, documentId, createdAt: at })));
}

/** Immediate digests wait this long after the last notice, so a folder uploaded file by file makes one mail. */
const IMMEDIATE_SETTLE_MS = 30_000;
const DAY_MS = 86_400_000;
const NOTICE_LIFETIME_MS = 2 * DAY_MS;

/**
 * The digest job: for every user who takes notifications and has notices newer than their last
 * digest in a room they take part in, one mail naming the documents they may view now. The user's
 * row is locked while their digest is made (one process makes it), and the cursor moves past every
 * notice considered, named or not: a document a user could not see is never named later by mistake,
 * and it is not counted either.
 */
export const documentDigestJob = (config: Pick<Config, 'mail'>, settleMs = IMMEDIATE_SETTLE_MS): MailJob => ({
  name: 'document digests',
  run: async (db, at) => {
    const now = Date.parse(at);
    const settledBefore = new Date(now - settleMs).toISOString();
    const candidates: Array<{ id: string }> = await notifiable(db('users'))
      .whereExists((q) =>
        q
          .select(db.raw('1'))
          .from('documentNotices as n')
          .where('n.createdAt', '<=', settledBefore)
          .where('n.createdAt', '>=', new Date(now - NOTICE_LIFETIME_MS).toISOString())
          .where((w) => w.whereNull('users.lastDigestAt').orWhere('n.createdAt', '>', db.ref('users.lastDigestAt')))
          .where('n.createdAt', '>=', db.ref('users.createdAt'))
          .where((w) =>
            w
              .whereIn('n.roomId', db('partyMembers').select('roomId').where('partyMembers.userId', db.ref('users.id')))
              .orWhereIn('n.roomId', db('roomStaff').select('roomId').where('roomStaff.userId', db.ref('users.id'))),
          ),
      )
      .select('users.id');
    for (const { id } of candidates) await digestFor(db, config, id, at, now);
    // A notice matters for a day's digest at most; older ones are never mailed (a user who turns
    // notifications back on is not sent the week they chose to miss) and would only slow this query.
    await db('documentNotices').where('createdAt', '<', new Date(now - NOTICE_LIFETIME_MS).toISOString()).delete();
  },
});

async function digestFor(db: Db, config: Pick<Config, 'mail'>, userId: string, at: string, now: number) {
  await db.transaction(async (trx) => {
    const lock = trx('users').where({ id: userId });
    if (isPostgres(trx)) lock.forUpdate().skipLocked();
    const user: (UserRow & { status: string; notify: string; lastDigestAt: string | null; erasedAt: string | null }) | undefined = await lock.first();
    if (!user || user.disabledAt || user.erasedAt || user.notify === 'off') return;
    // Daily: at most one digest mail in any 24 hours (the cursor moves without mail when nothing was visible).
    if (user.notify === 'daily') {
      const dayAgo = new Date(now - DAY_MS).toISOString();
      if (await trx('mailOutbox').where({ toUserId: userId, kind: 'documents_digest' }).where('createdAt', '>', dayAgo).first('id')) return;
    }
    const rooms = [
      ...(await trx('partyMembers').where({ userId }).select('roomId')),
      ...(await trx('roomStaff').where({ userId }).select('roomId')),
    ].map((r: { roomId: string }) => r.roomId);
    const notices: Array<{ documentId: string; roomId: string; createdAt: string }> = await trx('documentNotices')
      .whereIn('roomId', rooms)
      .where('createdAt', '>=', user.createdAt)
      .where('createdAt', '<=', at)
      .modify((q) => (user.lastDigestAt ? q.where('createdAt', '>', user.lastDigestAt) : q))
      .orderBy('createdAt')
      .select('documentId', 'roomId', 'createdAt');
    if (notices.length === 0) return;
    const through = notices[notices.length - 1]!.createdAt;
    // The recipient's ability now, as if they asked: with a second factor when they have one enrolled
    // (the mail does not sign them in), and from no address (a party's IP allow-list is not met, so
    // a party restricted to its offices is not told of documents by mail).
    const actor = { ...toActor(user, 'token'), mfa: Boolean(user.mfaEnabled) };
    const { ability } = await loadAccess(trx, actor, at, { ip: null });
    const visible: Array<{ id: string; roomId: string; title: string }> = await visibleDocumentRows({ db: trx, ability })
      .whereIn('documents.id', [...new Set(notices.map((n) => n.documentId))])
      .select('documents.id', 'documents.roomId', 'documents.title')
      .orderBy('documents.title');
    await trx('users').where({ id: userId }).update({ lastDigestAt: through });
    if (visible.length === 0) return;
    const roomRows: RoomNaming[] = await trx('rooms').whereIn('id', [...new Set(visible.map((d) => d.roomId))]).select('id', 'name', 'codeName').orderBy('id');
    const mail = documentsDigestMail({
      name: user.name,
      rooms: roomRows.map((room) => ({ label: roomLabelFor(room, user), url: roomUrl(config, room.id), documents: visible.filter((d) => d.roomId === room.id).map((d) => d.title) })),
    });
    await queueMail(trx, config, { kind: 'documents_digest', to: user.email, toUserId: user.id, at, ...mail });
  });
}

/**
 * NDAs the clock expired: noticed once (the conditional update decides which process tells), and the
 * counterparty is told as for a termination.
 */
export const ndaExpiryJob = (config: Pick<Config, 'mail'>): MailJob => ({
  name: 'NDA expiries',
  run: async (db, at) => {
    const expired: Array<{ id: string; roomId: string; orgId: string; coversRepresentatives: boolean | number }> = await db('ndas')
      .where({ status: 'confirmed' })
      .where('expiresAt', '<=', at)
      // Only NDAs that were in force once: one confirmed after its expiry never opened anything.
      .where('expiresAt', '>', db.ref('confirmedAt'))
      .whereNull('expiryNotifiedAt')
      .select('id', 'roomId', 'orgId', 'coversRepresentatives');
    for (const nda of expired) {
      await db.transaction(async (trx) => {
        const claimed = await trx('ndas').where({ id: nda.id }).whereNull('expiryNotifiedAt').update({ expiryNotifiedAt: at });
        if (claimed === 1) await notifyNdaStatus(trx, config, nda, 'expired', at);
      });
    }
  },
});
