import type { CertificationReader } from '../policy/certification-access.js';
import type { CertificationView } from './service.js';

/**
 * A certification as the API answers it. A member reads their own party's request (its id is their
 * own party's, which tells them nothing of another); the deal team also reads how often the party
 * was reminded.
 */
export function presentCertification(c: CertificationView, reader: CertificationReader) {
  return {
    id: c.id,
    roomId: c.roomId,
    partyId: c.partyId,
    status: c.status,
    reason: c.reason,
    downloads: c.downloads,
    requestedAt: c.requestedAt,
    certifiedAt: c.certifiedAt,
    certifiedBy: c.certifiedBy,
    statement: c.statement,
    ...(reader.kind === 'deal_team' ? { reminders: Number(c.reminders), lastRemindedAt: c.lastRemindedAt } : {}),
  };
}
