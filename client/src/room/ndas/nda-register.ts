import { api, type Nda, type Org, type StaffMember } from '../../api.js';
import type { RoomContext } from '../room-context.js';

/** NDAs ending within this many days are flagged so counsel can chase a renewal in time. */
export const EXPIRY_WARNING_DAYS = 30;

export const KIND_LABEL: Record<Nda['kind'], string> = { nda: 'NDA', joinder: 'Joinder', clean_team: 'Clean-team NDA' };

export const displayStatus = (n: Nda) => (n.status === 'confirmed' && n.expired ? 'expired' : n.status);

/** The room's NDAs, with the organisations and the deal team they name (for those who read the whole register). */
export interface Register {
  ndas: Nda[];
  orgs: Map<string, Org>;
  staff: StaffMember[];
}

export async function loadRegister(ctx: RoomContext): Promise<Register> {
  if (!ctx.can.readNdaRegister) return { ndas: (await api.ndas(ctx.room.id)).items, orgs: new Map(), staff: [] };
  const [ndas, orgs, staff] = await Promise.all([api.ndas(ctx.room.id), api.orgs(), api.staff(ctx.room.id)]);
  return { ndas: ndas.items, orgs: new Map(orgs.items.map((o) => [o.id, o])), staff: staff.items };
}
