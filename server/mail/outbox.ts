import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Db } from '../db.js';
import type { Config } from '../config.js';
import type { MailContent } from './templates.js';

export type MailKind =
  | 'invitation'
  | 'password_reset'
  | 'account_changed'
  | 'nda_registered'
  | 'nda_status'
  | 'documents_digest'
  | 'question_asked'
  | 'question_assigned'
  | 'question_answered'
  | 'faq_published'
  | 'certification_requested'
  | 'certification_reminder'
  | 'nda_expiry_reminder'
  | 'room_purge_notice'
  | 'engagement_digest';

/** Mails whose body carries a secret link: withheld from the admins' outbox once SMTP delivers mail. */
export const SECRET_BEARING_KINDS: ReadonlySet<MailKind> = new Set(['invitation', 'password_reset']);

export interface OutboxRow {
  id: string;
  kind: MailKind;
  toAddress: string;
  toUserId: string | null;
  subject: string;
  textBody: string | null;
  htmlBody: string | null;
  status: 'queued' | 'sent';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string;
  leasedUntil: string | null;
  leasedBy: string | null;
  createdAt: string;
  sentAt: string | null;
  messageId: string;
}

/** In-process wake-up for the mail worker: mail queued here goes out without waiting for the next poll. */
export const mailQueued = new EventEmitter();

/**
 * Queues a mail. Pass the transaction of the change that causes it: the mail exists exactly when the
 * change does (a rolled-back invitation sends nothing; a committed one is never lost to a crash).
 */
export async function queueMail(
  trx: Db,
  config: Pick<Config, 'mail'>,
  mail: { kind: MailKind; to: string; toUserId?: string | null; at: string } & MailContent,
): Promise<string> {
  const id = randomUUID();
  const row: OutboxRow = {
    id,
    kind: mail.kind,
    toAddress: mail.to,
    toUserId: mail.toUserId ?? null,
    subject: mail.subject,
    textBody: mail.text,
    htmlBody: mail.html,
    status: 'queued',
    attempts: 0,
    lastError: null,
    nextAttemptAt: mail.at,
    leasedUntil: null,
    leasedBy: null,
    createdAt: mail.at,
    sentAt: null,
    // Stable across retries: a receiver that got a mail twice (a crash between the SMTP server's
    // acceptance and the row's update) can tell it is the same one.
    messageId: `<${id}@${new URL(config.mail.publicUrl).hostname || 'gatehouse'}>`,
  };
  await trx('mailOutbox').insert(row);
  // After the caller's commit, most likely; the worker finds nothing earlier and polls anyway.
  setTimeout(() => mailQueued.emit('queued'), 25).unref();
  return id;
}
