import type { Db } from '../db.js';
import type { ServiceContext } from '../service-context.js';
import { appendAuditEvent, type AuditEventInput } from './ledger.js';
import type { DeniedError, Refusal, RefusalRecorder } from '../errors.js';

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
 * Records a refusal of the caller's: the reason and the status they were answered with go to the
 * ledger only. The error handler calls it for every DeniedError thrown; a refusal explained after
 * its answer (documents/service.ts) calls it directly.
 */
export function recordRefusal(db: Db, ctx: Pick<ServiceContext, 'actor' | 'client'>, refusal: Refusal, status: number) {
  const { reason, details, ...fields } = refusal;
  return appendAuditEvent(db, {
    ...fields,
    actorId: ctx.actor.id,
    decision: 'deny',
    details: { ...details, reason, status, ip: ctx.client.ip },
  });
}

/** The error handler's recorder: the refused request's caller and address, on the app's database. */
export const refusalRecorder =
  (db: Db): RefusalRecorder =>
  async (req, error: DeniedError) => {
    await recordRefusal(db, { actor: req.actor!, client: { ip: req.ip ?? null, userAgent: null } }, error.refusal, error.status);
  };
