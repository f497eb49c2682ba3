import type { ServiceContext } from '../service-context.js';
import { accessibleBy } from '../policy/accessible-by.js';

/** Who reads: the database and the caller's ability, whose rules filter every read here in SQL. */
type Reader = Pick<ServiceContext, 'db' | 'ability'>;

export interface GrantRow {
  id: string;
  roomId: string;
  partyId: string;
  folderId: string | null;
  levelRank: number;
  maxClassificationRank: number;
  maxPersonalDataRank: number;
  expiresAt: string | null;
  createdBy: string;
  createdAt: string;
}

/** The room's grants the caller may `action` (read: its staff; edit: its managers), oldest first. */
export const visibleGrants = (ctx: Reader, action: 'read' | 'edit', roomId: string): Promise<GrantRow[]> =>
  ctx.db('grants').where(accessibleBy(ctx.ability, action, 'Grant')).where('grants.roomId', roomId).orderBy('createdAt');

/** One grant of the room, if the caller may `action` it. */
export const findVisibleGrant = (ctx: Reader, action: 'read' | 'edit', roomId: string, grantId: string): Promise<GrantRow | undefined> =>
  ctx.db('grants').where(accessibleBy(ctx.ability, action, 'Grant')).where({ 'grants.id': grantId, 'grants.roomId': roomId }).first();
