import type { Logger } from 'pino';
import type { Deps } from '../service-context.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { queueMail } from '../mail/outbox.js';
import { roomPurgeNoticeMail } from '../mail/templates.js';
import { runPurge } from './service.js';
import { noticeAt, purgeDueAt } from './retention-schedule.js';
import type { PurgeRoomRow } from './repository.js';

type SweepDeps = Pick<Deps, 'db' | 'store' | 'config'> & { logger?: Logger };

export interface RetentionSweep {
  noticed: number;
  purged: number;
  failed: number;
}

/**
 * One pass of retention at `at` (every process runs it with its maintenance; they share the work
 * safely):
 * - a closed room with `retainDays` a week from falling due: the admins are mailed, once (the
 *   conditional update decides which process tells, in the transaction that queues the mail);
 * - a room whose purge is due (never less than a week after that mail): purged, as the system;
 * - a purge that was cut short (a crash, a store outage, whoever began it): finished.
 * A room that fails is logged and tried again on the next pass; the others go on.
 */
export async function sweepRetention(deps: SweepDeps, at: string): Promise<RetentionSweep> {
  const { db } = deps;
  const result: RetentionSweep = { noticed: 0, purged: 0, failed: 0 };
  const rooms: PurgeRoomRow[] = await db('rooms')
    .whereNull('purgedAt')
    .where((w) => w.whereNotNull('purgeStartedAt').orWhere((c) => c.where({ status: 'closed' }).whereNotNull('retainDays')))
    .select('id', 'name', 'codeName', 'status', 'closedAt', 'retainDays', 'purgeNoticeSentAt', 'purgeStartedAt', 'purgedAt');
  for (const row of rooms) {
    const room = { ...row, retainDays: row.retainDays === null ? null : Number(row.retainDays) };
    try {
      if (!room.purgeStartedAt && !room.purgeNoticeSentAt) {
        const notice = noticeAt(room);
        if (notice !== null && notice <= at && (await sendPurgeNotice(deps, room, at))) result.noticed += 1;
        continue;
      }
      const due = purgeDueAt(room);
      if (room.purgeStartedAt || (due !== null && due <= at)) {
        const { completedNow } = await runPurge(deps, room.id, { actor: null, ip: null, at });
        if (completedNow) result.purged += 1;
      }
    } catch (err) {
      result.failed += 1;
      deps.logger?.warn({ err, roomId: room.id }, 'retention: room not purged; tried again on the next pass');
    }
  }
  return result;
}

/** Claims the room's notice and mails every active admin in the same transaction; false when another process claimed it. */
async function sendPurgeNotice(deps: SweepDeps, room: PurgeRoomRow, at: string): Promise<boolean> {
  return deps.db.transaction(async (trx) => {
    const claimed = await trx('rooms')
      .where({ id: room.id, retainDays: room.retainDays, status: 'closed' })
      .whereNull('purgeNoticeSentAt')
      .whereNull('purgeStartedAt')
      .update({ purgeNoticeSentAt: at });
    if (claimed !== 1) return false;
    const purgeAt = purgeDueAt({ ...room, purgeNoticeSentAt: at })!;
    const admins: Array<{ id: string; email: string; name: string }> = await trx('users')
      .where({ role: 'admin' })
      .whereNull('disabledAt')
      .whereNull('erasedAt')
      .orderBy('email')
      .select('id', 'email', 'name');
    for (const admin of admins) {
      const mail = roomPurgeNoticeMail({ name: admin.name, roomName: room.name, purgeAt, retainDays: room.retainDays!, url: `${deps.config.mail.publicUrl}/rooms/${room.id}/settings` });
      await queueMail(trx, deps.config, { kind: 'room_purge_notice', to: admin.email, toUserId: admin.id, at, ...mail });
    }
    await appendAuditEvent(trx, {
      actorId: null,
      action: 'room.purge.notice',
      subjectType: 'Room',
      subjectId: room.id,
      roomId: room.id,
      decision: 'allow',
      details: { retainDays: room.retainDays, purgeAt, recipients: admins.map((a) => a.id) },
    });
    return true;
  });
}
