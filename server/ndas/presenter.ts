import type { ServiceContext } from '../service-context.js';
import type { NdaView } from './service.js';

/** External users see their own organisation's NDAs, without the file or who handled it. */
export const presentNda = (n: NdaView, viewer: Pick<ServiceContext, 'actor' | 'at'>) => ({
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
  ...(viewer.actor.role === 'external'
    ? {}
    : {
        sha256: n.sha256,
        size: Number(n.size),
        fileName: n.fileName,
        registeredBy: n.registeredBy,
        registeredAt: n.registeredAt,
        confirmedBy: n.confirmedBy,
        decidedBy: n.decidedBy,
        decidedAt: n.decidedAt,
        reason: n.reason,
      }),
});
