import type { Nda } from '../../api.js';
import { daysUntil, formatDate } from '../../display-format.js';
import { EXPIRY_WARNING_DAYS, type Register } from './nda-register.js';

/** Confirmed NDAs ending soon, so counsel can chase a renewal before the access they give ends. */
export function NdaExpiryWarning({ reg }: { reg: Register }) {
  const expiring = reg.ndas.filter((n: Nda) => n.status === 'confirmed' && !n.expired && daysUntil(n.expiresAt) <= EXPIRY_WARNING_DAYS);
  if (expiring.length === 0) return null;
  return (
    <div className="alert alert-warning" role="status">
      <strong>{expiring.length === 1 ? 'One NDA expires' : `${expiring.length} NDAs expire`} within {EXPIRY_WARNING_DAYS} days.</strong>{' '}
      Access it gives ends on its expiry date:{' '}
      {expiring.map((n) => `${reg.orgs.get(n.orgId)?.name ?? 'your organisation'} on ${formatDate(n.expiresAt)}`).join('; ')}.
    </div>
  );
}
