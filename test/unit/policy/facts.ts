/**
 * Hand-built facts for the policy unit tests: an actor, their room staff roles and party
 * memberships, written out literally so each test states the situation it judges.
 */
import type { Actor } from '../../../server/auth/actor.js';
import type { AccessFacts, GrantFact, MembershipFact } from '../../../server/policy/access-facts.js';
import type { ExplainedDocument } from '../../../server/policy/explain-access.js';

export const AT = '2030-06-15T12:00:00.000Z';

export const actorOf = (role: Actor['role'], over: Partial<Actor> = {}): Actor => ({
  id: `u-${role}`,
  email: `${role}@example.test`,
  name: role,
  orgId: role === 'external' ? 'ACQ' : 'SELLER',
  role,
  via: 'token',
  mfa: false,
  ...over,
});

export const factsOf = (actor: Actor, over: Partial<AccessFacts> = {}): AccessFacts => ({
  actor,
  at: AT,
  staffRooms: [],
  memberships: [],
  directory: null,
  validUntil: null,
  ...over,
});

/** A member of party P1 in open room R1, covered for entity E1 by NDA N1, with no grant yet. */
export const membershipOf = (over: Partial<MembershipFact> = {}): MembershipFact => ({
  roomId: 'R1',
  roomOpen: true,
  partyId: 'P1',
  cleanTeam: false,
  coverage: new Map([['E1', ['N1']]]),
  grants: [],
  requireMfa: false,
  ipAllowed: true,
  visibleFolderIds: [],
  datasetIds: [],
  ...over,
});

/** Ranks: classification standard 0 … clean_team 3; personal data none 0 … identified 2; level view 0 … original 2. */
export const grantOf = (over: Partial<GrantFact> = {}): GrantFact => ({
  grantId: 'G1',
  folderId: null,
  folderIds: null,
  levelRank: 2,
  maxClassificationRank: 3,
  maxPersonalDataRank: 2,
  ...over,
});

/** A document as the rule reads it (the columns its conditions name). */
// (Mapped, so it is a plain object type: rows go where records of columns are expected.)
export type DocumentRow = { [K in keyof ExplainedDocument]: ExplainedDocument[K] };

export const documentOf = (over: Partial<DocumentRow> = {}): DocumentRow => ({
  id: 'D1',
  roomId: 'R1',
  folderId: 'F1',
  entityId: 'E1',
  classificationRank: 0,
  personalDataRank: 0,
  kind: 'document',
  status: 'published',
  ...over,
});

export const LEVEL_NAMES = ['view', 'download', 'original'] as const;
