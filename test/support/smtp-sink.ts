import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface SmtpSink {
  /** smtp://127.0.0.1:<port> — for SMTP_URL. */
  url: string;
  port: number;
  /** Every mail accepted so far, parsed, in arrival order. */
  messages: ParsedMail[];
  /** The first mail (already here or arriving within timeoutMs) that matches. */
  waitFor(match: (m: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  /** Answer every mail with this SMTP reply (e.g. 451 for a temporary failure) until called with null. */
  refuseWith(reply: { code: number; message: string } | null): void;
  /** Stop listening (the server "goes down"); start() again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Mails addressed to `address`. */
export const to = (address: string) => (m: ParsedMail) => [m.to ?? []].flat().some((a) => a.value.some((v) => v.address?.toLowerCase() === address.toLowerCase()));

/** The secret link of a mail: PUBLIC_URL/<page>#token=… */
export function linkIn(mail: ParsedMail, page: 'invitation' | 'reset-password'): { url: string; token: string } {
  const match = (mail.text ?? '').match(new RegExp(`(https?://\\S+/${page}#token=([A-Za-z0-9_-]+))`));
  if (!match) throw new Error(`no ${page} link in mail "${mail.subject}":\n${mail.text}`);
  return { url: match[1]!, token: match[2]! };
}

/**
 * A real SMTP server on 127.0.0.1 (smtp-server), parsing what it accepts with mailparser: the mail
 * tests read what Gatehouse actually sent over the wire. No TLS, no authentication (loopback only).
 */
export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const waiters = new Set<() => void>();
  let refusal: { code: number; message: string } | null = null;
  let server: SMTPServer;
  let boundPort = port;

  const listen = async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        if (refusal) {
          stream.resume();
          const err = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
          return stream.on('end', () => callback(err));
        }
        simpleParser(stream)
          .then((mail) => {
            messages.push(mail);
            for (const wake of waiters) wake();
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(boundPort, '127.0.0.1', () => resolve());
    });
    boundPort = (server.server.address() as AddressInfo).port;
  };
  await listen();

  return {
    get url() {
      return `smtp://127.0.0.1:${boundPort}`;
    },
    get port() {
      return boundPort;
    },
    messages,
    waitFor: (match, timeoutMs = 15_000) =>
      new Promise<ParsedMail>((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms; got: ${messages.map((m) => m.subject).join(' | ') || 'none'}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    refuseWith: (reply) => {
      refusal = reply;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    start: listen,
  };
}
