import type { ServiceContext } from '../service-context.js';
import { accessibleBy } from '../policy/accessible-by.js';

/** Who reads: the database and the caller's ability, whose rules filter every read here in SQL. */
type Reader = Pick<ServiceContext, 'db' | 'ability'>;

export interface PartyRow {
  id: string;
  roomId: string;
  name: string;
  acquirerOrgId: string;
  createdAt: string;
}

/** The room's parties the caller may `action` (read: its staff; edit: its managers), oldest first. */
export const visibleParties = (ctx: Reader, action: 'read' | 'edit', roomId: string): Promise<PartyRow[]> =>
  ctx.db('parties').where(accessibleBy(ctx.ability, action, 'Party')).where('parties.roomId', roomId).orderBy('createdAt');

/** One party of the room, if the caller may `action` it. */
export const findVisibleParty = (ctx: Reader, action: 'read' | 'edit', roomId: string, partyId: string): Promise<PartyRow | undefined> =>
  ctx.db('parties').where(accessibleBy(ctx.ability, action, 'Party')).where({ 'parties.id': partyId, 'parties.roomId': roomId }).first();
