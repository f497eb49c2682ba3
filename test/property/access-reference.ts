/**
 * The access rule of docs/access-rule.md ("The access rule"), transcribed as plainly as possible from the
 * text alone — deliberately not from server/policy/. The differential suite holds the production
 * CASL ability and its SQL filter equal to this on random worlds, so a drift in either shows up as a
 * counterexample.
 */
import { BlockList, isIPv4 } from 'node:net';
import { CLASSIFICATIONS, LEVELS, PERSONAL_DATA, type Level, type PersonalData, type World, type WorldDataset, type WorldDocument, type WorldFolder, type WorldOrg, type WorldQuestion, type WorldUser } from './world-model.js';

const rank = <T>(order: readonly T[], value: T) => order.indexOf(value);

/**
 * "Seller staff see a room only if they are its manager or counsel (admins see all rooms); they see
 * everything in it." An expert (Q&A) is not: they see the questions assigned to them, nothing else.
 */
function staffSeesRoom(world: World, user: WorldUser, roomId: string): boolean {
  if (user.role === 'admin') return true;
  if (user.role !== 'staff') return false;
  return world.staff.some((s) => s.roomId === roomId && s.userId === user.id && s.role !== 'expert');
}

/** Is `folderId` the folder `rootId` or below it? */
function inSubtree(world: World, rootId: string, folderId: string): boolean {
  let current: string | null = folderId;
  const seen = new Set<string>();
  while (current !== null && !seen.has(current)) {
    if (current === rootId) return true;
    seen.add(current);
    current = world.folders.find((f) => f.id === current)?.parentId ?? null;
  }
  return false;
}

/**
 * The party's IP allow-list, if it has one, holds the request's address (Node's own BlockList, not
 * the production code's parser). An IPv4 address seen through IPv6 (::ffff:a.b.c.d) is that IPv4.
 */
export function addressAllowed(world: World, partyId: string, ip: string): boolean {
  const ranges = world.allowlists.filter((a) => a.partyId === partyId);
  if (ranges.length === 0) return true;
  const list = new BlockList();
  for (const { cidr } of ranges) {
    const [network, bits] = cidr.split('/');
    list.addSubnet(network!, Number(bits), isIPv4(network!) ? 'ipv4' : 'ipv6');
  }
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const address = v4 ?? ip;
  return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}

/** The request `user` is judged on in `world`. */
export const requestOf = (world: World, user: WorldUser) => world.requests.find((r) => r.userId === user.id) ?? { userId: user.id, ip: '', mfa: false };

/** Rule 3: the NDAs (ids) that cover `user`, member of `partyId`, for `entityId` at `at`. */
export function coveringNdas(world: World, user: WorldUser, partyId: string, roomId: string, entityId: string, at: string): string[] {
  const party = world.parties.find((p) => p.id === partyId)!;
  const isAdvisorOfParty = party.advisorOrgIds.includes(user.orgId);
  return world.ndas
    .filter((n) => {
      if (n.roomId !== roomId) return false;
      if (n.status !== 'confirmed') return false;
      // effectiveAt ≤ t < expiresAt (times are fixed-width ISO strings: text order is time order)
      if (!(n.effectiveAt <= at && at < n.expiresAt)) return false;
      if (!n.entityIds.includes(entityId)) return false;
      if (n.orgId === user.orgId) return true;
      return isAdvisorOfParty && n.orgId === party.acquirerOrgId && n.coversRepresentatives;
    })
    .map((n) => n.id);
}

/** The table of `doc` when it is a dataset: its rows, column roles and entity map (docs/http-api.md, "Datasets"). */
export const datasetOf = (world: World, doc: WorldDocument): WorldDataset | undefined =>
  doc.kind === 'dataset' ? world.datasets?.find((d) => d.documentId === doc.id) : undefined;

/**
 * The entities whose coverage opens `doc` (rule 3): its own; for a dataset also every entity its
 * entity map names ("rule 3 per row": a party covered for a mapped entity sees the dataset, with
 * that entity's rows, wherever the file itself is filed).
 */
export const entitiesOpening = (world: World, doc: WorldDocument) => [doc.entityId, ...Object.values(datasetOf(world, doc)?.entityMap ?? {})];

/** The live grants of `partyId` that reach `doc`'s folder at `level` within their classification ceiling (rule 4 but personal data). */
function grantsReaching(world: World, partyId: string, doc: WorldDocument, level: Level, at: string) {
  return world.grants.filter(
    (g) =>
      g.partyId === partyId &&
      g.roomId === doc.roomId &&
      (g.folderId === null || inSubtree(world, g.folderId, doc.folderId)) &&
      rank(LEVELS, g.level) >= rank(LEVELS, level) &&
      rank(CLASSIFICATIONS, doc.classification) <= rank(CLASSIFICATIONS, g.maxClassification) &&
      (g.expiresAt === null || at < g.expiresAt),
  );
}

/** May `user` act at `level` on `doc` at `at`? */
export function referenceAllows(world: World, user: WorldUser, doc: WorldDocument, level: Level, at: string = world.at): boolean {
  if (user.role !== 'external') return staffSeesRoom(world, user, doc.roomId);
  // A dataset's stored file holds every row and column as the seller has them: an outsider has only
  // their own delivery of it, never the original.
  if (doc.kind === 'dataset' && level === 'original') return false;

  // 1. D's room is open
  const room = world.rooms.find((r) => r.id === doc.roomId);
  if (!room || room.status !== 'open') return false;
  // 2. U is a member of party P of that room
  const membership = world.members.find((m) => m.userId === user.id && m.roomId === doc.roomId);
  if (!membership) return false;
  const party = world.parties.find((p) => p.id === membership.partyId);
  if (!party || party.roomId !== doc.roomId) return false;
  // Hardening: the request comes from the party's allowed addresses, and has a second factor where the room requires one.
  const req = requestOf(world, user);
  if (!addressAllowed(world, party.id, req.ip)) return false;
  if (room.requireMfa && !req.mfa) return false;
  // 3. NDA coverage of U for D's entity at t (for a dataset: or for an entity its map names)
  if (!entitiesOpening(world, doc).some((e) => coveringNdas(world, user, party.id, doc.roomId, e, at).length > 0)) return false;
  // 4. a grant of P covers D's folder, level ≥ L, ceilings, not expired at t. A dataset's personal
  // data does not hide it: the grant's maxPersonalData shapes its delivery instead (referenceDatasetForm).
  const granted = grantsReaching(world, party.id, doc, level, at).some(
    (g) => doc.kind === 'dataset' || rank(PERSONAL_DATA, doc.personalData) <= rank(PERSONAL_DATA, g.maxPersonalData),
  );
  if (!granted) return false;
  // 5. a clean_team document also needs U to be a cleanTeam member
  if (doc.classification === 'clean_team' && !membership.cleanTeam) return false;
  // 6. the deal team has published D (not a draft, not withdrawn)
  if ((doc.status ?? 'published') !== 'published') return false;
  return true;
}

/**
 * How a dataset's personal-data columns reach `user` at `level`, or null when it is not theirs at
 * that level: the deal team has it `identified` (as stored); an outsider, the highest
 * `maxPersonalData` among the grants of their party that reach it at that level.
 */
export function referenceDatasetForm(world: World, user: WorldUser, doc: WorldDocument, level: Level, at: string = world.at): PersonalData | null {
  if (!referenceAllows(world, user, doc, level, at)) return null;
  if (user.role !== 'external') return 'identified';
  const partyId = world.members.find((m) => m.userId === user.id && m.roomId === doc.roomId)!.partyId;
  const forms = grantsReaching(world, partyId, doc, level, at).map((g) => rank(PERSONAL_DATA, g.maxPersonalData));
  return PERSONAL_DATA[Math.max(...forms)];
}

/** The highest level `user` has on `doc` at `at`, or null: what a listing's `access` field shows. */
export function referenceLevel(world: World, user: WorldUser, doc: WorldDocument, at: string = world.at): Level | null {
  return [...LEVELS].reverse().find((level) => referenceAllows(world, user, doc, level, at)) ?? null;
}

/**
 * "An external user with no NDA coverage at all sees the room's name and their NDA status, and
 * nothing else": the party of `user` in `roomId` when the room gives them content at all — they are
 * a member, the room is open, an NDA covers them for some entity of the room, and the request meets
 * the party's allow-list and the room's second factor. Otherwise null.
 */
export function contentParty(world: World, user: WorldUser, roomId: string, at: string = world.at): string | null {
  if (user.role !== 'external') return null;
  const room = world.rooms.find((r) => r.id === roomId);
  const membership = world.members.find((m) => m.userId === user.id && m.roomId === roomId);
  if (!room || room.status !== 'open' || !membership) return null;
  const req = requestOf(world, user);
  if (!addressAllowed(world, membership.partyId, req.ip) || (room.requireMfa && !req.mfa)) return null;
  const covered = room.entityIds.some((e) => coveringNdas(world, user, membership.partyId, roomId, e, at).length > 0);
  return covered ? membership.partyId : null;
}

/**
 * Issue 15, "Folders of other parties": a party sees a folder only when it can view something in its
 * subtree, or a grant of the party names that folder (or one below it: the way down to a named
 * folder is seen too). Staff see every folder of the rooms they see.
 */
export function referenceSeesFolder(world: World, user: WorldUser, folder: WorldFolder, at: string = world.at): boolean {
  if (user.role !== 'external') return staffSeesRoom(world, user, folder.roomId);
  const partyId = contentParty(world, user, folder.roomId, at);
  if (!partyId) return false;
  const viewsBelow = world.documents.some((d) => d.roomId === folder.roomId && inSubtree(world, folder.id, d.folderId) && referenceAllows(world, user, d, 'view', at));
  const namedBelow = world.grants.some(
    (g) => g.partyId === partyId && g.roomId === folder.roomId && g.folderId !== null && inSubtree(world, folder.id, g.folderId) && (g.expiresAt === null || at < g.expiresAt),
  );
  return viewsBelow || namedBelow;
}

const partyOrgIds = (world: World, roomIds: (roomId: string) => boolean) =>
  new Set(world.parties.filter((p) => roomIds(p.roomId)).flatMap((p) => [p.acquirerOrgId, ...p.advisorOrgIds]));
const staffs = (world: World, user: WorldUser, roomId: string) => world.staff.some((s) => s.roomId === roomId && s.userId === user.id && s.role !== 'expert');

/**
 * Issue 15, "Directory": admins see every organisation; a seller staff member the seller group's,
 * those of the parties of the rooms they staff, and those in no party of any room (they name no
 * deal). External users see none.
 */
export function referenceSeesOrg(world: World, user: WorldUser, org: WorldOrg): boolean {
  if (user.role === 'admin') return true;
  if (user.role !== 'staff') return false;
  if (org.kind === 'seller') return true;
  if (!partyOrgIds(world, () => true).has(org.id)) return true;
  return partyOrgIds(world, (roomId) => staffs(world, user, roomId)).has(org.id);
}

/** Admins see everyone; a seller staff member the seller group's people and the people of the parties of the rooms they staff. */
export function referenceSeesUser(world: World, user: WorldUser, other: WorldUser): boolean {
  if (user.role === 'admin') return true;
  if (user.role !== 'staff') return false;
  if (world.orgs.find((o) => o.id === other.orgId)?.kind === 'seller') return true;
  return partyOrgIds(world, (roomId) => staffs(world, user, roomId)).has(other.orgId);
}

/**
 * Issue 15, "Index gaps": the index of every folder and document of `roomId` that `user` sees, as
 * they read it. Staff read the deal team's numbers (each item's place among all its siblings); an
 * external user's numbers count only what they see, so no number is ever skipped.
 */
export function referenceIndexes(world: World, user: WorldUser, roomId: string, at: string = world.at): Map<string, string> {
  const folders = world.folders.filter((f) => f.roomId === roomId && referenceSeesFolder(world, user, f, at));
  const out = new Map<string, string>();
  const number = (parentId: string | null, prefix: string) => {
    folders.filter((f) => f.parentId === parentId).forEach((f, i) => {
      const index = `${prefix}${i + 1}`;
      out.set(f.id, index);
      world.documents
        .filter((d) => d.folderId === f.id && referenceAllows(world, user, d, 'view', at))
        .forEach((d, j) => out.set(d.id, `${index}.${j + 1}`));
      number(f.id, `${index}.`);
    });
  };
  number(null, '');
  return out;
}

/**
 * Q&A (docs/http-api.md, "Q&A"): "Questions belong to the asking party. Another party never learns of
 * them … until a manager publishes one as an FAQ"; "experts: seller staff who see only the questions
 * assigned to them". Managers and counsel of the room (admins: every room) read every question; an
 * expert those assigned to them; an external member whom the room gives content (open, covered, the
 * request meeting the party's allow-list and second factor) their own party's questions and the
 * room's FAQs (published only with an approved answer).
 */
export function referenceReadsQuestion(world: World, user: WorldUser, question: WorldQuestion, at: string = world.at): boolean {
  if (user.role === 'admin') return true;
  if (user.role === 'staff') {
    const role = world.staff.find((s) => s.roomId === question.roomId && s.userId === user.id)?.role;
    if (role === 'expert') return question.assignedTo === user.id;
    return role === 'manager' || role === 'counsel';
  }
  const partyId = contentParty(world, user, question.roomId, at);
  if (!partyId) return false;
  return question.partyId === partyId || (question.faq && question.approved);
}
