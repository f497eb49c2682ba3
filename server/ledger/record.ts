import type { Db } from '../db.js';
import type { ServiceContext } from '../service-context.js';
import { appendAuditEvent, type AuditEventInput } from './ledger.js';
import { notFound, type HttpError } from '../errors.js';

type EventFields = Omit<AuditEventInput, 'actorId' | 'decision'>;

/** Records an allowed act of the caller; pass the transaction of the change it records. */
export function recordAllowed(db: Db, ctx: Pick<ServiceContext, 'actor' | 'client'>, event: EventFields) {
  return appendAuditEvent(db, {
    ...event,
    actorId: ctx.actor.id,
    decision: 'allow',
    details: { ...event.details, ip: ctx.client.ip },
  });
}

/**
 * Records a refusal and returns the error to throw. The reason goes to the ledger only: the caller
 * gets the bare error, so a hidden thing's refusal reads exactly like a missing one.
 */
export async function recordDenied(
  ctx: Pick<ServiceContext, 'db' | 'actor' | 'client'>,
  event: EventFields & { reason: string },
  error: HttpError = notFound(),
): Promise<HttpError> {
  const { reason, ...rest } = event;
  await appendAuditEvent(ctx.db, {
    ...rest,
    actorId: ctx.actor.id,
    decision: 'deny',
    details: { ...rest.details, reason, status: error.status, ip: ctx.client.ip },
  });
  return error;
}
