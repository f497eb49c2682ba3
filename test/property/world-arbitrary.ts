import fc from 'fast-check';
import {
  CLASSIFICATIONS,
  LEVELS,
  PERSONAL_DATA,
  QUESTION_STATUSES,
  type NdaKind,
  type NdaStatus,
  type World,
  type WorldDocument,
  type WorldFolder,
  type WorldGrant,
  type WorldMember,
  type WorldNda,
  type WorldOrg,
  type WorldParty,
  type WorldRoom,
  type WorldStaff,
  type WorldAllowedRange,
  type WorldDataset,
  type WorldQuestion,
  type WorldRequest,
  type WorldUser,
} from './world-model.js';
import { drawDataset } from './dataset-arbitrary.js';

const DAY = 86_400_000;
const NDA_STATUSES: NdaStatus[] = ['pending', 'confirmed', 'confirmed', 'confirmed', 'rejected', 'terminated'];
const NDA_KINDS: NdaKind[] = ['nda', 'joinder', 'clean_team'];

/** Allow-list ranges and request addresses that overlap in every way: nested, disjoint, v4 and v6. */
const RANGES = ['10.0.0.0/8', '10.1.0.0/16', '192.168.1.0/24', '203.0.113.7/32', '2001:db8::/32'];
const ADDRESSES = ['10.1.2.3', '10.200.0.1', '192.168.1.9', '192.168.2.9', '203.0.113.7', '198.51.100.1', '2001:db8::5', '::ffff:10.1.2.3'];

type Draw = fc.GeneratorValue;

const V4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** The 16 bytes of an IPv6 address or the 4 of an IPv4 one (written plainly here, not production's parser). */
function addressBytes(address: string): number[] {
  if (address.includes('.')) return address.split('.').map(Number);
  const [head, tail] = address.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** `bytes` with every bit past the first `bits` cleared, written back as a CIDR range. */
function cidrOf(bytes: number[], bits: number): string {
  const masked = bytes.map((b, i) => b & ((0xff << (8 - Math.max(0, Math.min(8, bits - i * 8)))) & 0xff));
  if (masked.length === 4) return `${masked.join('.')}/${bits}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((masked[2 * i] << 8) | masked[2 * i + 1]).toString(16));
  return `${groups.join(':')}/${bits}`;
}

/**
 * A random allow-list range: around a drawn or given address (so it holds some requests and misses
 * others), or anywhere. Any IPv4 prefix length; IPv6 ranges stay inside 2001:db8::/32, clear of the
 * IPv4-mapped space, whose matching against IPv4 clients is a choice of the parser, not of the rule.
 */
export function drawCidr(g: Draw, near: readonly string[] = ADDRESSES): string {
  const around = chance(g, 70) ? pick(g, near) : null;
  const v4 = around ? around.includes('.') : chance(g, 70);
  if (v4) {
    const base = around ? addressBytes(V4_MAPPED.exec(around)?.[1] ?? around) : Array.from({ length: 4 }, () => g(fc.integer, { min: 0, max: 255 }));
    return cidrOf(base, g(fc.integer, { min: 0, max: 32 }));
  }
  const base = around ? addressBytes(around) : [0x20, 0x01, 0x0d, 0xb8, ...Array.from({ length: 12 }, () => g(fc.integer, { min: 0, max: 255 }))];
  return cidrOf(base, g(fc.integer, { min: 32, max: 128 }));
}

const pick = <T>(g: Draw, items: readonly T[]): T => items[g(fc.integer, { min: 0, max: items.length - 1 })];
const chance = (g: Draw, percent: number) => g(fc.integer, { min: 1, max: 100 }) <= percent;
const someOf = <T>(g: Draw, items: readonly T[], atLeastOne: boolean): T[] => {
  const chosen = items.filter(() => g(fc.boolean));
  return chosen.length === 0 && atLeastOne && items.length ? [pick(g, items)] : chosen;
};

/**
 * Draws one world. Ids carry `prefix` so many worlds can live side by side in one database. Times are
 * drawn from a handful of instants around `at`, `at` itself included, so NDA and grant boundaries
 * (effectiveAt = t, expiresAt = t) come up often. Worlds stay inside what the API accepts (members
 * from the party's organisations, at most one party per user and room, documents of the room's
 * entities, NDAs that expire after they take effect), since the rule is promised only there.
 * With `requestConditions` (the default) rooms may require a second factor, parties may have IP
 * allow-lists (fixed ranges and random ones), and each user's request comes from a drawn address
 * (every request from `address` when given: the HTTP sample's loopback), with or without a second factor.
 * With `datasets` (the default) two documents in five are datasets (dataset-arbitrary.ts): a
 * small table, its column roles, and an entity column mapping rows to some of the room's entities.
 * `focus: 'datasets'` draws worlds where outsiders mostly have something to receive: most documents
 * datasets, rooms open, two parties or more, NDAs mostly confirmed, in force and signed by the
 * room's party organisations, more grants (each still random, but often on the whole room, up to
 * every classification and pseudonymised), so deliveries to several members and parties of one room
 * are common.
 */
export function drawWorld(
  g: Draw,
  prefix: string,
  at: string,
  { requestConditions = true, address, datasets: withDatasets = true, focus }: { requestConditions?: boolean; address?: string; datasets?: boolean; focus?: 'datasets' } = {},
): World {
  const focused = focus === 'datasets';
  const addresses = address ? [address] : ADDRESSES;
  const ranges = address ? [...RANGES, '127.0.0.0/8', '127.0.0.1/32', '::1/128'] : RANGES;
  const t = Date.parse(at);
  const instant = () => new Date(t + pick(g, [-30, -2, -1, 0, 1, 2, 30]) * DAY).toISOString();
  const id = (name: string) => `${prefix}${name}`;

  const entityIds = Array.from({ length: g(fc.integer, { min: 1, max: 4 }) }, (_, i) => id(`e${i}`));
  const orgs: WorldOrg[] = [{ id: id('seller'), kind: 'seller' }];
  const acquirers = Array.from({ length: g(fc.integer, { min: 1, max: 3 }) }, (_, i) => id(`acq${i}`));
  const advisors = Array.from({ length: g(fc.integer, { min: 0, max: 3 }) }, (_, i) => id(`adv${i}`));
  orgs.push(...acquirers.map((o) => ({ id: o, kind: 'acquirer' as const })), ...advisors.map((o) => ({ id: o, kind: 'advisor' as const })));

  const users: WorldUser[] = [
    { id: id('admin'), orgId: id('seller'), role: 'admin' },
    { id: id('staff0'), orgId: id('seller'), role: 'staff' },
    { id: id('staff1'), orgId: id('seller'), role: 'staff' },
  ];
  for (const org of [...acquirers, ...advisors]) {
    const n = g(fc.integer, { min: 1, max: 2 });
    for (let i = 0; i < n; i++) users.push({ id: id(`${org.slice(prefix.length)}u${i}`), orgId: org, role: 'external' });
  }

  const rooms: WorldRoom[] = [];
  const staff: WorldStaff[] = [];
  const parties: WorldParty[] = [];
  const members: WorldMember[] = [];
  const ndas: WorldNda[] = [];
  const folders: WorldFolder[] = [];
  const documents: WorldDocument[] = [];
  const grants: WorldGrant[] = [];
  const allowlists: WorldAllowedRange[] = [];
  const datasets: WorldDataset[] = [];

  const roomCount = g(fc.integer, { min: 1, max: 2 });
  for (let r = 0; r < roomCount; r++) {
    const room: WorldRoom = { id: id(`r${r}`), status: chance(g, focused ? 95 : 80) ? 'open' : 'closed', entityIds: someOf(g, entityIds, true), requireMfa: requestConditions && chance(g, 25) };
    rooms.push(room);
    staff.push({ roomId: room.id, userId: id('staff0'), role: 'manager' });
    if (chance(g, 50)) staff.push({ roomId: room.id, userId: id('staff1'), role: pick(g, ['manager', 'counsel'] as const) });

    // A folder tree: each folder under the room or an earlier folder, so deep chains occur.
    const roomFolders: WorldFolder[] = [];
    for (let f = 0, n = g(fc.integer, { min: 1, max: 6 }); f < n; f++) {
      const parentId = roomFolders.length && chance(g, 65) ? pick(g, roomFolders).id : null;
      roomFolders.push({ id: id(`r${r}f${f}`), roomId: room.id, parentId });
    }
    folders.push(...roomFolders);
    for (let d = 0, n = g(fc.integer, { min: 1, max: 8 }); d < n; d++) {
      const dataset = withDatasets && chance(g, focused ? 75 : 40);
      documents.push({
        id: id(`r${r}d${d}`),
        roomId: room.id,
        folderId: pick(g, roomFolders).id,
        entityId: pick(g, room.entityIds),
        classification: pick(g, CLASSIFICATIONS),
        personalData: pick(g, PERSONAL_DATA),
        ...(dataset ? { kind: 'dataset' as const } : {}),
        // Staged disclosure: most documents are published; some are drafts or withdrawn (rule 6).
        status: chance(g, 70) ? 'published' : pick(g, ['draft', 'withdrawn'] as const),
      });
      if (dataset) datasets.push(drawDataset(g, id(`r${r}d${d}`), room.entityIds));
    }

    const roomParties: WorldParty[] = [];
    for (let p = 0, n = g(fc.integer, { min: focused ? 2 : 1, max: 3 }); p < n; p++) {
      roomParties.push({ id: id(`r${r}p${p}`), roomId: room.id, acquirerOrgId: pick(g, acquirers), advisorOrgIds: someOf(g, advisors, false) });
    }
    parties.push(...roomParties);
    if (requestConditions) {
      for (const party of roomParties) {
        if (!chance(g, 30)) continue;
        const cidrs = someOf(g, ranges, true);
        if (chance(g, 50)) cidrs.push(drawCidr(g, addresses));
        allowlists.push(...[...new Set(cidrs)].map((cidr) => ({ partyId: party.id, cidr })));
      }
    }
    for (const user of users.filter((u) => u.role === 'external')) {
      const eligible = roomParties.filter((p) => p.acquirerOrgId === user.orgId || p.advisorOrgIds.includes(user.orgId));
      if (eligible.length && chance(g, 85)) {
        members.push({ partyId: pick(g, eligible).id, roomId: room.id, userId: user.id, cleanTeam: g(fc.boolean) });
      }
    }

    for (let k = 0, n = g(fc.integer, { min: focused ? 2 : 0, max: focused ? 6 : 5 }); k < n; k++) {
      // Mostly the party organisations; sometimes an organisation that is in no party of this room.
      const orgId = focused && chance(g, 80) ? pick(g, roomParties.flatMap((p) => [p.acquirerOrgId, ...p.advisorOrgIds])) : pick(g, [...acquirers, ...advisors]);
      // Most NDAs live at `at` (so coverage, and what grants then give, is common enough to test);
      // the rest anywhere, boundaries included.
      const live = chance(g, focused ? 90 : 60);
      let effectiveAt = live ? new Date(t + pick(g, [-30, -1, 0]) * DAY).toISOString() : instant();
      let expiresAt = live ? new Date(t + pick(g, [1, 2, 30]) * DAY).toISOString() : instant();
      if (expiresAt <= effectiveAt) [effectiveAt, expiresAt] = expiresAt < effectiveAt ? [expiresAt, effectiveAt] : [effectiveAt, new Date(Date.parse(effectiveAt) + DAY).toISOString()];
      ndas.push({
        id: id(`r${r}n${k}`),
        roomId: room.id,
        orgId,
        kind: pick(g, NDA_KINDS),
        status: focused && chance(g, 80) ? 'confirmed' : pick(g, NDA_STATUSES),
        effectiveAt,
        expiresAt,
        coversRepresentatives: g(fc.boolean),
        entityIds: someOf(g, room.entityIds, true),
      });
    }

    for (let k = 0, n = g(fc.integer, { min: focused ? 3 : 0, max: focused ? 8 : 5 }); k < n; k++) {
      grants.push({
        id: id(`r${r}g${k}`),
        roomId: room.id,
        partyId: pick(g, roomParties).id,
        folderId: chance(g, focused ? 50 : 30) ? null : pick(g, roomFolders).id,
        level: pick(g, LEVELS),
        maxClassification: focused && chance(g, 50) ? 'clean_team' : pick(g, CLASSIFICATIONS),
        maxPersonalData: focused && chance(g, 40) ? 'pseudonymised' : pick(g, PERSONAL_DATA),
        expiresAt: chance(g, 50) ? null : instant(),
      });
    }
  }
  const requests: WorldRequest[] = users.map((u) =>
    requestConditions ? { userId: u.id, ip: pick(g, addresses), mfa: chance(g, 60) } : { userId: u.id, ip: address ?? '127.0.0.1', mfa: false },
  );
  // Q&A, drawn last so that every draw above (and so every world a seed gave before) stays as it was:
  // an expert of some rooms, and questions of the rooms' parties in every status, assigned to the
  // expert, to other staff or to no one, answered by any of them, approved or not, FAQs or not.
  const expertId = id('expert');
  users.push({ id: expertId, orgId: id('seller'), role: 'staff' });
  requests.push({ userId: expertId, ip: address ?? '127.0.0.1', mfa: false });
  const questions: WorldQuestion[] = [];
  for (const room of rooms) {
    if (chance(g, 60)) staff.push({ roomId: room.id, userId: expertId, role: 'expert' });
    const roomParties = parties.filter((p) => p.roomId === room.id);
    const seller = [expertId, id('staff0'), id('staff1')];
    for (let k = 0, n = g(fc.integer, { min: 0, max: 4 }); k < n; k++) {
      const status = pick(g, QUESTION_STATUSES);
      const answered = status === 'answer_pending' || status === 'answered' || (status === 'closed' && g(fc.boolean));
      const approved = status === 'answered' || (status === 'closed' && answered && g(fc.boolean));
      questions.push({
        id: id(`${room.id.slice(prefix.length)}q${k}`),
        roomId: room.id,
        partyId: pick(g, roomParties).id,
        status,
        assignedTo: status === 'open' && chance(g, 70) ? null : pick(g, [...seller, null]),
        answeredBy: answered ? pick(g, seller) : null,
        approved,
        faq: approved && chance(g, 40),
      });
    }
  }
  return { at, entityIds, orgs, users, rooms, staff, parties, members, ndas, folders, documents, grants, allowlists, requests, datasets, questions };
}

/** One way of taking something away, as the deal team or counsel would. */
export type Revocation =
  | { kind: 'remove-member'; roomId: string; userId: string }
  | { kind: 'terminate-nda'; ndaId: string }
  | { kind: 'narrow-nda'; ndaId: string; entityId: string }
  | { kind: 'delete-grant'; grantId: string }
  | { kind: 'close-room'; roomId: string }
  | { kind: 'remove-staff'; roomId: string; userId: string }
  | { kind: 'drop-clean-team'; roomId: string; userId: string }
  | { kind: 'restrict-ip'; partyId: string; cidr: string }
  | { kind: 'require-mfa'; roomId: string }
  | { kind: 'unmap-value'; documentId: string; value: string }
  | { kind: 'withdraw-document'; documentId: string };

/** Every revocation possible in `world`; `cidr` draws the range a first allow-list starts with. */
export function revocationsOf(world: World, cidr: () => string): Revocation[] {
  return [
    ...world.members.map((m): Revocation => ({ kind: 'remove-member', roomId: m.roomId, userId: m.userId })),
    ...world.members.filter((m) => m.cleanTeam).map((m): Revocation => ({ kind: 'drop-clean-team', roomId: m.roomId, userId: m.userId })),
    ...world.ndas.filter((n) => n.status === 'confirmed').map((n): Revocation => ({ kind: 'terminate-nda', ndaId: n.id })),
    ...world.ndas.filter((n) => n.entityIds.length > 1).map((n): Revocation => ({ kind: 'narrow-nda', ndaId: n.id, entityId: n.entityIds[0] })),
    ...world.grants.map((g): Revocation => ({ kind: 'delete-grant', grantId: g.id })),
    ...world.rooms.filter((r) => r.status === 'open').map((r): Revocation => ({ kind: 'close-room', roomId: r.id })),
    ...world.staff.map((s): Revocation => ({ kind: 'remove-staff', roomId: s.roomId, userId: s.userId })),
    // A first range narrows a party's reach; another range added to an existing list would widen it.
    ...world.parties.filter((p) => !world.allowlists.some((a) => a.partyId === p.id)).map((p): Revocation => ({ kind: 'restrict-ip', partyId: p.id, cidr: cidr() })),
    ...world.rooms.filter((r) => !r.requireMfa).map((r): Revocation => ({ kind: 'require-mfa', roomId: r.id })),
    // The deal team takes a value out of a dataset's entity map: its rows go to no one outside the deal team.
    ...(world.datasets ?? []).flatMap((d) => Object.keys(d.entityMap).map((value): Revocation => ({ kind: 'unmap-value', documentId: d.documentId, value }))),
    // The deal team withdraws a published document: links already handed out stop with it.
    ...world.documents.filter((d) => (d.status ?? 'published') === 'published').map((d): Revocation => ({ kind: 'withdraw-document', documentId: d.id })),
  ];
}

/** The world after `revocation` (the input is left as it was). */
export function applyRevocation(world: World, rev: Revocation): World {
  switch (rev.kind) {
    case 'remove-member':
      return { ...world, members: world.members.filter((m) => !(m.roomId === rev.roomId && m.userId === rev.userId)) };
    case 'drop-clean-team':
      return { ...world, members: world.members.map((m) => (m.roomId === rev.roomId && m.userId === rev.userId ? { ...m, cleanTeam: false } : m)) };
    case 'terminate-nda':
      return { ...world, ndas: world.ndas.map((n) => (n.id === rev.ndaId ? { ...n, status: 'terminated' } : n)) };
    case 'narrow-nda':
      return { ...world, ndas: world.ndas.map((n) => (n.id === rev.ndaId ? { ...n, entityIds: n.entityIds.filter((e) => e !== rev.entityId) } : n)) };
    case 'delete-grant':
      return { ...world, grants: world.grants.filter((g) => g.id !== rev.grantId) };
    case 'close-room':
      return { ...world, rooms: world.rooms.map((r) => (r.id === rev.roomId ? { ...r, status: 'closed' } : r)) };
    case 'remove-staff':
      return { ...world, staff: world.staff.filter((s) => !(s.roomId === rev.roomId && s.userId === rev.userId)) };
    case 'restrict-ip':
      return { ...world, allowlists: [...world.allowlists, { partyId: rev.partyId, cidr: rev.cidr }] };
    case 'require-mfa':
      return { ...world, rooms: world.rooms.map((r) => (r.id === rev.roomId ? { ...r, requireMfa: true } : r)) };
    case 'unmap-value':
      return { ...world, datasets: world.datasets?.map((d) => (d.documentId === rev.documentId ? { ...d, entityMap: withoutKey(d.entityMap, rev.value) } : d)) };
    case 'withdraw-document':
      return { ...world, documents: world.documents.map((d) => (d.id === rev.documentId ? { ...d, status: 'withdrawn' } : d)) };
  }
}

const withoutKey = (map: Record<string, string>, key: string) => Object.fromEntries(Object.entries(map).filter(([k]) => k !== key));

/**
 * The next instant after `world.at` at which something expires, provided nothing takes effect in
 * between (an NDA becoming effective may rightly widen access): the "time passes an expiry" step.
 */
export function nextExpiryStep(world: World): string | null {
  const expiries = [...world.ndas.map((n) => n.expiresAt), ...world.grants.flatMap((g) => (g.expiresAt ? [g.expiresAt] : []))]
    .filter((x) => x > world.at)
    .sort();
  const next = expiries[0];
  if (!next) return null;
  const widening = world.ndas.some((n) => n.effectiveAt > world.at && n.effectiveAt <= next);
  return widening ? null : next;
}
