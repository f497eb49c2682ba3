/**
 * A random world of the access rule as plain data: everything docs/access-rule.md's rule depends on, and no
 * more. The property suite generates these, inserts them straight into the database, and judges the
 * production ability against test/property/access-reference.ts on them.
 */
export const CLASSIFICATIONS = ['standard', 'confidential', 'highly_confidential', 'clean_team'] as const;
export const PERSONAL_DATA = ['none', 'pseudonymised', 'identified'] as const;
export const LEVELS = ['view', 'download', 'original'] as const;

export type Classification = (typeof CLASSIFICATIONS)[number];
export type PersonalData = (typeof PERSONAL_DATA)[number];
export type Level = (typeof LEVELS)[number];
export type NdaStatus = 'pending' | 'confirmed' | 'rejected' | 'terminated';
export type NdaKind = 'nda' | 'joinder' | 'clean_team';

export interface WorldOrg { id: string; kind: 'seller' | 'acquirer' | 'advisor' }
export interface WorldUser { id: string; orgId: string; role: 'admin' | 'staff' | 'external' }
export interface WorldRoom { id: string; status: 'open' | 'closed'; entityIds: string[]; requireMfa: boolean }
/** `expert`: Q&A only, the questions assigned to them; nothing else of the room. */
export interface WorldStaff { roomId: string; userId: string; role: 'manager' | 'counsel' | 'expert' }
export interface WorldParty { id: string; roomId: string; acquirerOrgId: string; advisorOrgIds: string[] }
export interface WorldMember { partyId: string; roomId: string; userId: string; cleanTeam: boolean }
export interface WorldNda {
  id: string;
  roomId: string;
  orgId: string;
  kind: NdaKind;
  status: NdaStatus;
  effectiveAt: string;
  expiresAt: string;
  coversRepresentatives: boolean;
  entityIds: string[];
}
/** One range of a party's IP allow-list (a party without any has no allow-list). */
export interface WorldAllowedRange { partyId: string; cidr: string }
/** The request each user is judged on: where it comes from, and whether its sign-in showed a second factor. */
export interface WorldRequest { userId: string; ip: string; mfa: boolean }
export interface WorldFolder { id: string; roomId: string; parentId: string | null }
export interface WorldDocument {
  id: string;
  roomId: string;
  folderId: string;
  entityId: string;
  classification: Classification;
  personalData: PersonalData;
  /** `dataset`: a table (its rows and classification in `World.datasets`); a plain document when left out. */
  kind?: 'document' | 'dataset';
  /** Staged disclosure: `published` when left out. */
  status?: DocumentStatus;
}

export type DocumentStatus = 'draft' | 'published' | 'withdrawn';

/**
 * Datasets (docs/http-api.md, "Datasets"): what the deal team says of a column — `none`, `direct`
 * (identifies a person), `quasi` (identifies in combination) — and what its values are, as the
 * reader types them at upload.
 */
export const COLUMN_ROLES = ['none', 'direct', 'quasi'] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];
export type ColumnType = 'empty' | 'integer' | 'decimal' | 'date' | 'boolean' | 'text';
export interface WorldColumn { name: string; type: ColumnType; role: ColumnRole }
export interface WorldSheet { name: string; columns: WorldColumn[]; rows: string[][] }
/**
 * The table behind a document of kind `dataset`, and the deal team's classification of it: column
 * roles, the column that says which entity a row belongs to (on one sheet; null: none), and the map
 * from that column's values to entities of the room (values left out of it are unmapped).
 */
export interface WorldDataset {
  documentId: string;
  sheets: WorldSheet[];
  entityColumn: { sheet: number; name: string } | null;
  entityMap: Record<string, string>;
}
export interface WorldGrant {
  id: string;
  roomId: string;
  partyId: string;
  folderId: string | null;
  level: Level;
  maxClassification: Classification;
  maxPersonalData: PersonalData;
  expiresAt: string | null;
}

/**
 * A Q&A question (issue 20) as the rule reads it: its room and asking party, its status, who it is
 * assigned to and who wrote its answer, whether a second manager approved the answer, and whether
 * it is an FAQ (only an approved one can be).
 */
export const QUESTION_STATUSES = ['open', 'assigned', 'answer_pending', 'answered', 'closed'] as const;
export interface WorldQuestion {
  id: string;
  roomId: string;
  partyId: string;
  status: (typeof QUESTION_STATUSES)[number];
  assignedTo: string | null;
  answeredBy: string | null;
  approved: boolean;
  faq: boolean;
}

export interface World {
  /** The instant the world is judged at. */
  at: string;
  entityIds: string[];
  orgs: WorldOrg[];
  users: WorldUser[];
  rooms: WorldRoom[];
  staff: WorldStaff[];
  parties: WorldParty[];
  members: WorldMember[];
  ndas: WorldNda[];
  folders: WorldFolder[];
  documents: WorldDocument[];
  grants: WorldGrant[];
  allowlists: WorldAllowedRange[];
  requests: WorldRequest[];
  /** The tables of the documents of kind `dataset` (none when left out). */
  datasets?: WorldDataset[];
  /** Q&A questions (none when left out). */
  questions?: WorldQuestion[];
}

/**
 * Where each folder and document stands among its siblings (1, 2, 3…, in the order they were drawn),
 * as the services number them when they are created one after another: the deal team's index.
 */
export function positionsInWorld(w: Pick<World, 'folders' | 'documents'>): Map<string, number> {
  const out = new Map<string, number>();
  const counters = new Map<string, number>();
  const next = (group: string) => {
    const n = (counters.get(group) ?? 0) + 1;
    counters.set(group, n);
    return n;
  };
  for (const f of w.folders) out.set(f.id, next(`folder:${f.roomId}:${f.parentId}`));
  for (const d of w.documents) out.set(d.id, next(`document:${d.folderId}`));
  return out;
}
