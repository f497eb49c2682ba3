import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import { notFound } from '../errors.js';
import { fetchPage, type Page, type Paging } from '../http/paging.js';
import { SECRET_BEARING_KINDS, type OutboxRow } from './outbox.js';

/** The outbox, newest first: what was sent, what waits and why. Admins only. */
export async function listOutbox(ctx: ServiceContext, paging: Paging): Promise<Page<OutboxRow>> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'mail.list', reason: 'admins only' });
  return fetchPage<OutboxRow>(ctx.db('mailOutbox').select('mailOutbox.*'), paging, { column: 'createdAt', field: 'createdAt', table: 'mailOutbox', descending: true });
}

const WITHHELD = '[link withheld: only its recipient may use it]';

/**
 * One mail as its recipient got it (the plain text). On the embedded default admins are the
 * postmen — there is no other way mail arrives — and read every mail, each reading on the record.
 * Once an SMTP server delivers mail, the secret of an invitation or reset link is withheld from
 * them: an admin must not be able to take over an account by reading its mail.
 */
export async function readOutboxMail(ctx: ServiceContext, mailId: string): Promise<{ mail: OutboxRow; text: string | null }> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'mail.read', subjectId: mailId, reason: 'admins only' });
  const mail: OutboxRow | undefined = await ctx.db('mailOutbox').where({ id: mailId }).first();
  if (!mail) throw notFound();
  const withhold = Boolean(ctx.config.mail.smtpUrl) && SECRET_BEARING_KINDS.has(mail.kind);
  const text = mail.textBody && withhold ? mail.textBody.replace(/#token=[A-Za-z0-9_-]+/g, `#token=${WITHHELD}`) : mail.textBody;
  await recordAllowed(ctx.db, ctx, { action: 'mail.read', subjectType: 'Mail', subjectId: mailId, details: { kind: mail.kind, linkWithheld: withhold } });
  return { mail, text };
}
