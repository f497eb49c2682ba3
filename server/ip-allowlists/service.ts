import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import type { SetIpAllowlistInput } from './schema.js';
import { findVisibleParty } from '../parties/repository.js';
import { denied } from '../errors.js';

export interface IpAllowlistView {
  partyId: string;
  cidrs: string[];
}

/** The party, through the same policy gates as every party route: hidden and absent are one 404. */
async function findParty(ctx: ServiceContext, roomId: string, partyId: string, action: 'read' | 'edit', event: string) {
  const room = await findVisibleRoom(ctx, roomId, event);
  assertAllowed(ctx, action === 'edit' ? 'edit' : 'oversee', 'Room', room, {
    event,
    roomId,
    subjectId: partyId,
    reason: action === 'edit' ? 'managers only' : 'room staff only',
  });
  const party = await findVisibleParty(ctx, action, roomId, partyId);
  if (!party) throw denied({ action: event, subjectType: 'Party', subjectId: partyId, roomId, reason: 'no such party in the room' });
}

const cidrsOf = async (ctx: ServiceContext, partyId: string): Promise<string[]> =>
  (await ctx.db('partyIpAllowlist').where({ partyId }).orderBy('cidr').select('cidr')).map((r: { cidr: string }) => r.cidr);

export async function getIpAllowlist(ctx: ServiceContext, roomId: string, partyId: string): Promise<IpAllowlistView> {
  await findParty(ctx, roomId, partyId, 'read', 'party.ip_allowlist.read');
  return { partyId, cidrs: await cidrsOf(ctx, partyId) };
}

/**
 * Replaces the party's allow-list. It binds from the members' very next request: the policy reads it
 * with the other access facts on every request (server/policy/access-facts.ts).
 */
export async function setIpAllowlist(ctx: ServiceContext, roomId: string, partyId: string, input: SetIpAllowlistInput): Promise<IpAllowlistView> {
  await findParty(ctx, roomId, partyId, 'edit', 'party.ip_allowlist.set');
  const cidrs = [...new Set(input.cidrs)].sort();
  await ctx.db.transaction(async (trx) => {
    await trx('partyIpAllowlist').where({ partyId }).delete();
    if (cidrs.length) await trx('partyIpAllowlist').insert(cidrs.map((cidr) => ({ partyId, cidr, createdBy: ctx.actor.id, createdAt: ctx.at })));
    await recordAllowed(trx, ctx, { action: 'party.ip_allowlist.set', subjectType: 'Party', subjectId: partyId, roomId, details: { cidrs } });
  });
  return { partyId, cidrs };
}
