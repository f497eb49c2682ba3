import type { ServiceContext } from '../service-context.js';
import { NDA_FIELDS, readableFields } from '../policy/ability.js';
import type { NdaView } from './service.js';

/**
 * An NDA as the caller may read it: the fields the ability's rules let them read (a member: what it
 * covers and whether it holds; staff: the file's fingerprint and who handled it too).
 */
export const presentNda = (n: NdaView, viewer: Pick<ServiceContext, 'ability' | 'at'>) => {
  const full = {
    id: n.id,
    roomId: n.roomId,
    orgId: n.orgId,
    kind: n.kind,
    status: n.status,
    // Expired as of the request's instant: the instant its access was judged at.
    expired: n.expiresAt <= viewer.at,
    signedAt: n.signedAt,
    effectiveAt: n.effectiveAt,
    expiresAt: n.expiresAt,
    entityIds: n.entityIds,
    coversRepresentatives: Boolean(n.coversRepresentatives),
    confirmedAt: n.confirmedAt,
    sha256: n.sha256,
    size: Number(n.size),
    fileName: n.fileName,
    registeredBy: n.registeredBy,
    registeredAt: n.registeredAt,
    confirmedBy: n.confirmedBy,
    decidedBy: n.decidedBy,
    decidedAt: n.decidedAt,
    reason: n.reason,
  };
  const fields = readableFields(viewer.ability, 'Nda', n, NDA_FIELDS);
  return Object.fromEntries(Object.entries(full).filter(([k]) => fields.has(k)));
};
