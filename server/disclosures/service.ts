import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { personalDataOf, personalDataRank, type PersonalData } from '../ranks.js';
import { deliveryGroups, type DeliveryGroup } from './repository.js';
import type { DisclosureFilters } from './schema.js';

export interface Recipient {
  id: string;
  name: string;
  email: string;
}

interface Tally {
  ndaIds: Set<string>;
  users: Map<string, Recipient>;
  first: string;
  last: string;
  count: number;
}

export interface DocumentDisclosure extends Omit<Tally, 'ndaIds' | 'users'> {
  orgId: string;
  orgName: string;
  documentId: string;
  title: string;
  entityId: string;
  entityName: string;
  personalData: PersonalData;
  ndaIds: string[];
  users: Recipient[];
}

export interface RecipientDisclosure extends Omit<Tally, 'ndaIds' | 'users'> {
  entityId: string;
  entityName: string;
  personalData: PersonalData;
  orgId: string;
  orgName: string;
  documentIds: string[];
  ndaIds: string[];
  users: Recipient[];
}

function tally<K extends string>(groups: DeliveryGroup[], keyOf: (g: DeliveryGroup) => K) {
  const out = new Map<K, { sample: DeliveryGroup; documentIds: Set<string> } & Tally>();
  for (const g of groups) {
    const key = keyOf(g);
    let t = out.get(key);
    if (!t) {
      t = { sample: g, documentIds: new Set(), ndaIds: new Set(), users: new Map(), first: g.first, last: g.last, count: 0 };
      out.set(key, t);
    }
    t.documentIds.add(g.documentId);
    for (const id of JSON.parse(g.ndaIds ?? '[]') as string[]) t.ndaIds.add(id);
    t.users.set(g.userId, { id: g.userId, name: g.userName, email: g.userEmail });
    if (g.first < t.first) t.first = g.first;
    if (g.last > t.last) t.last = g.last;
    t.count += Number(g.count);
  }
  return [...out.values()];
}

const sortedUsers = (users: Map<string, Recipient>) => [...users.values()].sort((a, b) => a.email.localeCompare(b.email));

/** Managers and counsel of the room; anyone who cannot see the room gets the same 404 as a missing one. */
async function assertMayReadRegister(ctx: ServiceContext, roomId: string) {
  const room = await findVisibleRoom(ctx, roomId, 'disclosures.read');
  assertAllowed(ctx, 'oversee', 'Room', room, { event: 'disclosures.read', roomId, subjectId: roomId, reason: 'managers and counsel only' });
}

/**
 * The disclosure register: what left the room, to which organisation, under which NDA(s), to whom and
 * when — computed from the delivery records, each of which carries the NDAs that covered it.
 */
export async function documentDisclosures(ctx: ServiceContext, roomId: string, f: DisclosureFilters): Promise<DocumentDisclosure[]> {
  await assertMayReadRegister(ctx, roomId);
  const items = tally(await deliveryGroups(ctx.db, roomId, f), (g) => `${g.orgId}/${g.documentId}`)
    .map(({ sample: s, ndaIds, users, first, last, count }) => ({
      orgId: s.orgId,
      orgName: s.orgName,
      documentId: s.documentId,
      title: s.title,
      entityId: s.entityId,
      entityName: s.entityName,
      personalData: personalDataOf(Number(s.personalDataRank)),
      ndaIds: [...ndaIds].sort(),
      users: sortedUsers(users),
      first,
      last,
      count,
    }))
    .sort((a, b) => a.orgName.localeCompare(b.orgName) || a.title.localeCompare(b.title) || a.documentId.localeCompare(b.documentId));
  await recordAllowed(ctx.db, ctx, { action: 'disclosures.read', subjectType: 'Room', subjectId: roomId, roomId, details: { view: 'documents', filters: { ...f }, count: items.length } });
  return items;
}

/** The same register seen per entity and personal-data level: which recipients got that kind of data. */
export async function recipientDisclosures(ctx: ServiceContext, roomId: string, f: DisclosureFilters): Promise<RecipientDisclosure[]> {
  await assertMayReadRegister(ctx, roomId);
  const items = tally(await deliveryGroups(ctx.db, roomId, f), (g) => `${g.entityId}/${g.personalDataRank}/${g.orgId}`)
    .map(({ sample: s, documentIds, ndaIds, users, first, last, count }) => ({
      entityId: s.entityId,
      entityName: s.entityName,
      personalData: personalDataOf(Number(s.personalDataRank)),
      orgId: s.orgId,
      orgName: s.orgName,
      documentIds: [...documentIds].sort(),
      ndaIds: [...ndaIds].sort(),
      users: sortedUsers(users),
      first,
      last,
      count,
    }))
    .sort((a, b) => a.entityName.localeCompare(b.entityName) || personalDataRank(b.personalData) - personalDataRank(a.personalData) || a.orgName.localeCompare(b.orgName));
  await recordAllowed(ctx.db, ctx, { action: 'disclosures.read', subjectType: 'Room', subjectId: roomId, roomId, details: { view: 'recipients', filters: { ...f }, count: items.length } });
  return items;
}
