import type { ServiceContext } from '../service-context.js';
import { denied, forbidden, type ErrorCode, type HttpError } from '../errors.js';
import { asSubject, type Action, type SubjectType } from './ability.js';

/** The answers of the rules that forbid by name in ability.ts. */
const NAMED_REFUSALS: Record<string, { code: ErrorCode; reason: string; message: string }> = {
  four_eyes: {
    code: 'four_eyes',
    // Stryker disable next-line StringLiteral: wording
    reason: 'four eyes: the registrant cannot confirm',
    // Stryker disable next-line StringLiteral: wording
    message: 'An NDA must be confirmed by counsel other than the person who registered it.',
  },
  four_eyes_answer: {
    code: 'four_eyes',
    // Stryker disable next-line StringLiteral: wording
    reason: 'four eyes: the author of an answer cannot approve it',
    // Stryker disable next-line StringLiteral: wording
    message: 'An answer must be approved by a manager other than the person who wrote it.',
  },
};

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
  const target = row ? asSubject(type, row) : type;
  if (ctx.ability.can(action, target)) return;
  // A rule that forbids by name (`cannot(…).because(code)`) answers with its own code and says so in the ledger.
  const rule = ctx.ability.relevantRuleFor(action, target);
  const named = rule?.inverted && rule.reason ? NAMED_REFUSALS[rule.reason as keyof typeof NAMED_REFUSALS] : undefined;
  throw denied(
    { action: refusal.event, subjectType: type, subjectId: refusal.subjectId ?? null, roomId: refusal.roomId ?? null, reason: named ? named.reason : refusal.reason },
    named ? forbidden(named.code, named.message) : (refusal.error ?? forbidden()),
  );
}
