import type { ServiceContext } from '../service-context.js';
import { accessibleBy } from '../policy/accessible-by.js';

/** Who reads: the database and the caller's ability, whose rules filter every read here in SQL. */
type Reader = Pick<ServiceContext, 'db' | 'ability'>;

export interface NdaRow {
  id: string;
  roomId: string;
  orgId: string;
  kind: 'nda' | 'joinder' | 'clean_team';
  status: 'pending' | 'confirmed' | 'rejected' | 'terminated';
  signedAt: string;
  effectiveAt: string;
  expiresAt: string;
  coversRepresentatives: boolean | number;
  objectKey: string;
  sha256: string;
  size: number;
  fileName: string | null;
  registeredBy: string;
  registeredAt: string;
  confirmedBy: string | null;
  confirmedAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
}

/** The room's NDAs the caller may read (staff: all; a member: their organisation's), in the order registered. */
export const visibleNdas = (ctx: Reader, roomId: string): Promise<NdaRow[]> =>
  ctx.db('ndas').where(accessibleBy(ctx.ability, 'read', 'Nda')).where('ndas.roomId', roomId).orderBy('registeredAt');

/** One NDA of the room, if the caller may read it. */
export const findVisibleNda = (ctx: Reader, roomId: string, ndaId: string): Promise<NdaRow | undefined> =>
  ctx.db('ndas').where(accessibleBy(ctx.ability, 'read', 'Nda')).where({ 'ndas.id': ndaId, 'ndas.roomId': roomId }).first();
