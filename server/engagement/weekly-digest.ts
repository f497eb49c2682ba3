import { randomUUID } from 'node:crypto';
import { dealTeamRecipients } from '../mail/recipients.js';
import type { Db } from '../db.js';
import type { Config } from '../config.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { queueMail } from '../mail/outbox.js';
import { engagementDigestMail } from '../mail/templates.js';
import type { MailJob } from '../mail/worker.js';
import { claimDigest } from './repository.js';
import { engagementFigures } from './service.js';

const DAY_MS = 86_400_000;

/** Monday 00:00 UTC of the week `at` falls in. */
export function weekStartOf(at: string): string {
  const d = new Date(at);
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - sinceMonday)).toISOString();
}

/**
 * The weekly engagement digest: on the first pass after Monday 00:00 UTC, each open room's managers
 * and counsel get the week just ended, party by party. Claimed per room and week by its key
 * (engagement_digests), so across any number of processes one digest goes per room and week. Rooms
 * made after the week ended, or without parties, have nothing to tell and are claimed without mail.
 * It names only what the deal team may see (party names and figures) and goes to no one else.
 */
export const engagementDigestJob = (config: Pick<Config, 'mail'>): MailJob => ({
  name: 'engagement digests',
  run: async (db, at) => {
    const weekStart = weekStartOf(at);
    const rooms: Array<{ id: string; name: string; createdAt: string }> = await db('rooms')
      .where({ status: 'open' })
      .whereNotExists(db('engagementDigests').select(db.raw('1')).where('engagementDigests.roomId', db.ref('rooms.id')).where('engagementDigests.weekStart', weekStart))
      .select('id', 'name', 'createdAt');
    for (const room of rooms) {
      await db.transaction(async (trx) => {
        if (!(await claimDigest(trx, room.id, weekStart, randomUUID(), at))) return;
        if (room.createdAt >= weekStart) return;
        await mailDigest(trx, config, room, weekStart, at);
      });
    }
  },
});

async function mailDigest(trx: Db, config: Pick<Config, 'mail'>, room: { id: string; name: string }, weekStart: string, at: string) {
  const from = new Date(Date.parse(weekStart) - 7 * DAY_MS).toISOString();
  const window = { from, to: weekStart };
  const parties = await engagementFigures(trx, room.id, at, { by: 'party', ...window });
  if (parties.length === 0) return;
  const staff = await dealTeamRecipients(trx, room.id);
  const lines = parties.map((p) => ({ name: p.label, visible: p.visible, viewed: p.documents, views: p.views, downloads: p.downloads, users: p.users, pagesViewed: p.pagesViewed, seconds: p.seconds }));
  for (const user of staff) {
    const mail = engagementDigestMail({ name: user.name, roomLabel: room.name, weekOf: from.slice(0, 10), parties: lines, url: `${config.mail.publicUrl}/rooms/${room.id}/engagement` });
    await queueMail(trx, config, { kind: 'engagement_digest', to: user.email, toUserId: user.id, at, ...mail });
  }
  await appendAuditEvent(trx, {
    actorId: null,
    action: 'engagement.digest',
    decision: 'allow',
    subjectType: 'Room',
    subjectId: room.id,
    roomId: room.id,
    details: { weekStart: from, recipients: staff.map((s) => s.id) },
  });
}
