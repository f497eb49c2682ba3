import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import type { OutboxRow } from './outbox.js';

/** Where queued mail goes: an SMTP server, or .eml files under DATA_DIR/mail when there is none. */
export interface MailTransport {
  readonly kind: 'smtp' | 'files';
  send(mail: OutboxRow): Promise<void>;
  close(): void;
}

/** The folder of the embedded default's mail: one RFC 5322 file per mail, named by its time and id. */
export const mailFolderOf = (config: Pick<Config, 'dataDir'>) => path.join(config.dataDir, 'mail');
export const emlFileName = (mail: Pick<OutboxRow, 'createdAt' | 'id'>) => `${mail.createdAt.replace(/[:.]/g, '-')}-${mail.id}.eml`;

const messageOf = (from: string, mail: OutboxRow) => ({
  from,
  to: mail.toAddress,
  subject: mail.subject,
  text: mail.textBody ?? '',
  html: mail.htmlBody ?? undefined,
  messageId: mail.messageId,
  date: new Date(mail.createdAt),
  // RFC 3834: an automatic mail; out-of-office replies are not sent back to it.
  headers: { 'Auto-Submitted': 'auto-generated' },
});

export function createMailTransport(config: Pick<Config, 'mail' | 'dataDir'>): MailTransport {
  const { smtpUrl, from } = config.mail;
  if (smtpUrl) {
    // A pool of connections; STARTTLS when the server offers it (smtp://), implicit TLS for smtps://.
    // Short timeouts: a stalled server fails the attempt (retried later), never holds the worker.
    const smtp = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: 5,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    return {
      kind: 'smtp',
      send: async (mail) => {
        await smtp.sendMail(messageOf(from, mail));
      },
      close: () => smtp.close(),
    };
  }
  const folder = mailFolderOf(config);
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'files',
    send: async (mail) => {
      const info = await composer.sendMail(messageOf(from, mail));
      await fs.mkdir(folder, { recursive: true });
      // Written whole, then renamed: a reader never sees half a mail, and a retry overwrites the same file.
      const file = path.join(folder, emlFileName(mail));
      const partial = `${file}.${process.pid}.partial`;
      await fs.writeFile(partial, info.message as Buffer, { mode: 0o600 });
      await fs.rename(partial, file);
    },
    close: () => undefined,
  };
}
