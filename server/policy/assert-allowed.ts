import type { ServiceContext } from '../service-context.js';
import { denied, forbidden, type HttpError } from '../errors.js';
import { asSubject, type Action, type SubjectType } from './ability.js';

interface Refusal {
  /** The audit action the refusal is recorded under, e.g. 'nda.confirm'. */
  event: string;
  subjectId?: string | null;
  roomId?: string | null;
  reason: string;
  error?: HttpError;
}

/**
 * Throws a DeniedError (which the error handler records) unless the ability allows `action` on the
 * subject: a row (checked with its conditions) or a bare type (for acts that concern no single row).
 */
export function assertAllowed(
  ctx: Pick<ServiceContext, 'ability'>,
  action: Action,
  type: SubjectType,
  row: object | null,
  refusal: Refusal,
): void {
  const allowed = row ? ctx.ability.can(action, asSubject(type, row)) : ctx.ability.can(action, type);
  if (allowed) return;
  throw denied(
    { action: refusal.event, subjectType: type, subjectId: refusal.subjectId ?? null, roomId: refusal.roomId ?? null, reason: refusal.reason },
    refusal.error ?? forbidden(),
  );
}
