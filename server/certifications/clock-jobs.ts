import { randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import type { Config } from '../config.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { queueMail } from '../mail/outbox.js';
import { dealTeamRecipients } from '../mail/recipients.js';
import { ndaExpiryReminderMail } from '../mail/templates.js';
import type { MailJob } from '../mail/worker.js';
import { mailParty, openRequestsAfterNdaEnded } from './open-request.js';
import type { CertificationRow } from './repository.js';

/**
 * What the clock causes at deal end, run by every process's mail worker on each pass (the pass's
 * `at` is the instant judged; tests pass their own). Every act is claimed once across processes: an
 * NDA clock event by its row in nda_clock_events, a reminder by a conditional update.
 */

const DAY_MS = 86_400_000;
/** Reminders of an outstanding certification: weekly until a member certifies. */
export const REMINDER_EVERY_MS = 7 * DAY_MS;
/** NDA expiry reminders, in days before expiresAt; tightest last. */
export const NDA_REMINDER_DAYS = [30, 7, 1] as const;

type JobConfig = Pick<Config, 'mail'>;

/**
 * Claims `event` of an NDA for this process: true for exactly one caller ever. On PostgreSQL a second
 * insert waits for the first's commit and then does nothing; SQLite has one writer.
 */
async function claimNdaClockEvent(trx: Db, ndaId: string, event: string, at: string): Promise<boolean> {
  const claim = randomUUID();
  await trx('ndaClockEvents').insert({ ndaId, event, claim, at }).onConflict(['ndaId', 'event']).ignore();
  const row: { claim: string } | undefined = await trx('ndaClockEvents').where({ ndaId, event }).first('claim');
  return row?.claim === claim;
}

/**
 * NDAs the clock expired: each checked once for the parties it covered, and a party left with no
 * covering NDA is asked to certify. Only NDAs that were in force once (confirmed before their
 * expiry); one registered for the record, already expired, opened nothing and ends nothing.
 */
export const expiredNdaCertificationJob = (config: JobConfig): MailJob => ({
  name: 'certifications of expired NDAs',
  run: async (db, at) => {
    const expired: Array<{ id: string; roomId: string; orgId: string }> = await db('ndas')
      .where({ status: 'confirmed' })
      .where('expiresAt', '<=', at)
      .where('expiresAt', '>', db.ref('confirmedAt'))
      .whereNotExists(db('ndaClockEvents').select(db.raw('1')).where('ndaClockEvents.ndaId', db.ref('ndas.id')).where('ndaClockEvents.event', 'expired'))
      .select('id', 'roomId', 'orgId')
      .orderBy('expiresAt');
    for (const nda of expired) {
      await db.transaction(async (trx) => {
        if (!(await claimNdaClockEvent(trx, nda.id, 'expired', at))) return;
        await openRequestsAfterNdaEnded(trx, config, nda, { reason: 'nda_expired', at, actorId: null });
      });
    }
  },
});

/**
 * Outstanding certifications are reminded a week after the request and every week after, until a
 * member certifies. The update is conditional on the count read, so one process sends each reminder.
 */
export const certificationReminderJob = (config: JobConfig): MailJob => ({
  name: 'certification reminders',
  run: async (db, at) => {
    const dueBefore = new Date(Date.parse(at) - REMINDER_EVERY_MS).toISOString();
    const due: CertificationRow[] = await db('certifications')
      .where({ status: 'requested' })
      .where((q) => q.where('lastRemindedAt', '<=', dueBefore).orWhere((first) => first.whereNull('lastRemindedAt').where('requestedAt', '<=', dueBefore)))
      .select();
    for (const c of due) {
      await db.transaction(async (trx) => {
        const reminder = Number(c.reminders) + 1;
        const claimed = await trx('certifications').where({ id: c.id, status: 'requested', reminders: c.reminders }).update({ reminders: reminder, lastRemindedAt: at });
        if (claimed === 1) await mailParty(trx, config, c, reminder, at);
      });
    }
  },
});

/**
 * NDA expiry reminders to the room's deal team and counsel, 30, 7 and 1 days before expiresAt. Each
 * pass sends, per NDA, the tightest reminder now due (the remaining time only shrinks, so a looser
 * one never becomes due again): an NDA registered with 5 days left gets the 7-day reminder at once
 * and the 1-day one later, never a 30-day one it has already passed. Only NDAs that give access now
 * or will (confirmed, not expired, in an open room): a terminated or expired one gets none.
 */
export const ndaExpiryReminderJob = (config: JobConfig): MailJob => ({
  name: 'NDA expiry reminders',
  run: async (db, at) => {
    const now = Date.parse(at);
    const horizon = new Date(now + NDA_REMINDER_DAYS[0] * DAY_MS).toISOString();
    const ndas: Array<{ id: string; roomId: string; orgId: string; expiresAt: string }> = await db('ndas')
      .join('rooms', 'rooms.id', 'ndas.roomId')
      .where('ndas.status', 'confirmed')
      .where('rooms.status', 'open')
      .where('ndas.expiresAt', '>', at)
      .where('ndas.expiresAt', '<=', horizon)
      .select('ndas.id', 'ndas.roomId', 'ndas.orgId', 'ndas.expiresAt');
    for (const nda of ndas) {
      const msLeft = Date.parse(nda.expiresAt) - now;
      const days = [...NDA_REMINDER_DAYS].reverse().find((d) => msLeft <= d * DAY_MS);
      if (days === undefined) continue;
      await db.transaction(async (trx) => {
        if (!(await claimNdaClockEvent(trx, nda.id, `reminder_${days}`, at))) return;
        await mailNdaExpiry(trx, config, nda, Math.max(1, Math.ceil(msLeft / DAY_MS)), days, at);
      });
    }
  },
});

async function mailNdaExpiry(trx: Db, config: JobConfig, nda: { id: string; roomId: string; orgId: string; expiresAt: string }, daysLeft: number, threshold: number, at: string) {
  const room: { id: string; name: string } = await trx('rooms').where({ id: nda.roomId }).first('id', 'name');
  const org: { name: string } | undefined = await trx('orgs').where({ id: nda.orgId }).first('name');
  const staff = await dealTeamRecipients(trx, nda.roomId);
  for (const user of staff) {
    // Staff read the room by its name (roomLabelFor gives staff the name).
    const mail = ndaExpiryReminderMail({ name: user.name, roomLabel: room.name, orgName: org?.name ?? 'a counterparty', expiresAt: nda.expiresAt, daysLeft, url: `${config.mail.publicUrl}/rooms/${room.id}/ndas` });
    await queueMail(trx, config, { kind: 'nda_expiry_reminder', to: user.email, toUserId: user.id, at, ...mail });
  }
  await appendAuditEvent(trx, {
    actorId: null,
    action: 'nda.expiry_reminder',
    decision: 'allow',
    subjectType: 'Nda',
    subjectId: nda.id,
    roomId: nda.roomId,
    details: { daysBefore: threshold, recipients: staff.map((s) => s.id) },
  });
}

/** The deal-end jobs, in the order a pass runs them: expiries open requests before reminders are counted. */
export const dealEndJobs = (config: JobConfig): MailJob[] => [expiredNdaCertificationJob(config), certificationReminderJob(config), ndaExpiryReminderJob(config)];
