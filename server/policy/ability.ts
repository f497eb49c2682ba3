import { AbilityBuilder, createMongoAbility, subject, type MongoAbility, type MongoQuery } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import { CLEAN_TEAM_RANK, LEVELS } from '../ranks.js';
import type { Actor } from '../auth/actor.js';
import type { AccessFacts, MembershipFact } from './access-facts.js';

/**
 * Actions per subject:
 * - Room: create (seller staff), read (see it), edit (deal team), registerNda (manager, counsel), decideNda (counsel),
 *   oversee (audit trail, disclosures, trace: manager, counsel)
 * - Document: view | download | original (the levels of docs/access-rule.md), edit (new versions, publish,
 *   move, withdraw, delete)
 * - Folder: read, edit
 * - Nda: read, readFile, confirm | reject | terminate (counsel; never confirm what they registered: four eyes)
 * - Grant, Party: read, edit
 * - Org, User: read (admins: all; other seller staff: the seller group and the parties of the rooms they staff)
 * - Directory (entities; creating and changing organisations and users): read (seller staff), edit (admins)
 * - Room list: find the room in the room list and read its summary (everyone who reads it; experts too)
 * - Room readQuestions: reach the room's Q&A (managers, counsel, experts, members the room gives content)
 * - Question (Q&A): create (a member, for their own party), read, assign | publish (managers), answer (managers,
 *   the assigned expert), approve (managers; never the answer's author: four eyes), close (managers, the asking party)
 * Never "manage": CASL reads it as "every action", which would let a manager confirm NDAs.
 */
export type Action =
  | 'create' | 'list' | 'read' | 'edit' | 'registerNda' | 'decideNda' | 'oversee' | 'view' | 'download' | 'original' | 'readFile' | 'confirm' | 'reject' | 'terminate'
  | 'readQuestions' | 'assign' | 'answer' | 'approve' | 'publish' | 'close';
export type SubjectType = 'Room' | 'Document' | 'Folder' | 'Nda' | 'Grant' | 'Party' | 'Org' | 'User' | 'Directory' | 'Question';
export type AppAbility = MongoAbility<[Action, SubjectType | Record<string, unknown>]>;

/** Wraps a row for `ability.can`: a check on a bare type string would ignore the rule's conditions. */
export const asSubject = (type: SubjectType, row: object) => subject(type, { ...row } as Record<string, unknown>);

/** Every field of a room response. */
export const ROOM_FIELDS = ['id', 'name', 'codeName', 'status', 'entityIds', 'createdAt', 'nda', 'uploadsStartAs', 'questionLimitPerParty', 'retainDays', 'purgedAt'] as const;
/** What a member whom the room gives content reads of it: not how the deal team stages its uploads, nor keeps its files. */
const ROOM_MEMBER_FIELDS = ROOM_FIELDS.filter((f) => f !== 'uploadsStartAs' && f !== 'retainDays' && f !== 'purgedAt');
/**
 * What an external member whom the room gives no content sees of it (docs/access-rule.md: the room's name
 * and their NDA status, and nothing else): not the entities it targets, which tell what is for sale.
 */
const ROOM_SUMMARY_FIELDS = ['id', 'name', 'codeName', 'status', 'nda'];
/** What an expert reads of a room they answer questions in: enough to find it, nothing of what is for sale. */
const ROOM_EXPERT_FIELDS = ['id', 'name', 'codeName', 'status'];

/** Every field of an NDA response. */
export const NDA_FIELDS = [
  'id', 'roomId', 'orgId', 'kind', 'status', 'expired', 'signedAt', 'effectiveAt', 'expiresAt', 'entityIds', 'coversRepresentatives', 'confirmedAt',
  'sha256', 'size', 'fileName', 'registeredBy', 'registeredAt', 'confirmedBy', 'decidedBy', 'decidedAt', 'reason',
] as const;
/**
 * What a member reads of their own organisation's NDAs: what it covers and whether it holds, not the
 * file, nor who at the seller handled it or why.
 */
const NDA_MEMBER_FIELDS = ['id', 'roomId', 'orgId', 'kind', 'status', 'expired', 'signedAt', 'effectiveAt', 'expiresAt', 'entityIds', 'coversRepresentatives', 'confirmedAt'];

/** Every field of a question response. */
export const QUESTION_FIELDS = [
  'id', 'roomId', 'number', 'partyId', 'status', 'subject', 'body', 'documentId', 'priority', 'createdAt', 'createdBy',
  'assignedTo', 'assignedAt', 'answer', 'answerDocumentIds', 'answeredBy', 'answeredAt', 'approvedBy', 'approvedAt',
  'faq', 'faqPublishedAt', 'faqSubject', 'faqBody', 'faqAnswer', 'closedBy', 'closedAt',
] as const;
/**
 * What an expert reads of a question assigned to them: the question and its answer, never who asked.
 * Not the party, not the asking member, not the party's own number (two questions numbered alike tell
 * two parties apart), not who closed it (a member of the party may have).
 */
const EXPERT_QUESTION_FIELDS = [
  'id', 'roomId', 'status', 'subject', 'body', 'documentId', 'priority', 'createdAt',
  'assignedTo', 'assignedAt', 'answer', 'answerDocumentIds', 'answeredBy', 'answeredAt', 'approvedAt', 'faq',
];
/**
 * What the asking party reads of its own questions: not who at the seller handles them (assignee,
 * author, approver), not its own party id (the API keeps party ids to the deal team), and the
 * answer only once a second manager approved it (QUESTION_ANSWER_FIELDS).
 */
const MEMBER_QUESTION_FIELDS = ['id', 'roomId', 'number', 'status', 'subject', 'body', 'documentId', 'priority', 'createdAt', 'createdBy', 'faq', 'closedAt'];
const QUESTION_ANSWER_FIELDS = [...MEMBER_QUESTION_FIELDS, 'answer', 'answerDocumentIds', 'approvedAt'];
/**
 * What every party the room gives content reads of an FAQ: the question and the answer as published
 * (the FAQ's wording, which the manager may have freed of whatever named the asker), and when it was published. Nothing of the asker: not their party, number, member, status (closing is the
 * asker's act) nor when they asked (a time tells a party's activity).
 */
const FAQ_FIELDS = ['id', 'roomId', 'faqSubject', 'faqBody', 'faqAnswer', 'answerDocumentIds', 'faq', 'faqPublishedAt'];

/** The fields of `row` (a subject of `type`) the ability lets the caller read; `all` when no rule limits them. */
export function readableFields(ability: AppAbility, type: SubjectType, row: object, all: readonly string[], action: Action = 'read'): Set<string> {
  return new Set(permittedFieldsOf(ability, action, asSubject(type, row), { fieldsFrom: (rule) => rule.fields ?? [...all] }));
}

/**
 * Whether a membership opens the room's content at all: the request meets the party's IP allow-list
 * and the room's second factor, the room is open (rule 1) and some NDA covers the member (rule 3).
 * Grants (rule 4) then say what, document by document.
 */
export const membershipGivesContent = (m: MembershipFact, actor: Actor) =>
  m.ipAllowed && (!m.requireMfa || Boolean(actor.mfa)) && m.roomOpen && m.coverage.size > 0;

/**
 * The access rule of docs/access-rule.md as one CASL ability. Conditions are plain columns of the subject's
 * table, so `accessibleBy` can turn the very same rules into SQL for lists.
 */
export function buildAbility(facts: AccessFacts): AppAbility {
  const { can, cannot, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  const { actor } = facts;

  if (actor.role === 'admin') {
    // Admins act as manager in every room — never as counsel: confirming NDAs stays with counsel.
    can(['list', 'read', 'edit', 'registerNda', 'oversee'], 'Room');
    can(['view', 'download', 'original', 'edit'], 'Document');
    can(['read', 'edit'], ['Folder', 'Grant', 'Party']);
    can(['read', 'readFile'], 'Nda');
    can('edit', 'Directory');
    can('read', ['Org', 'User']);
    can('readQuestions', 'Room');
    can(['read', 'assign', 'answer', 'approve', 'publish', 'close'], 'Question');
  }
  // Seller staff pick organisations and users when they build parties; outsiders see none of it.
  if (actor.role !== 'external') can(['read'], 'Directory');
  if (actor.role !== 'external') can('create', 'Room');
  if (actor.role === 'staff' && facts.directory) {
    // The people of a deal are its deal team's business only: a staff member sees the seller group
    // (its organisations, its people) and the organisations and people of the parties of the rooms
    // they staff. Organisations in no party at all tell nothing of any deal, and the deal team picks
    // a new bidder among them when it opens a party.
    const { staffedPartyOrgIds, partyOrgIds } = facts.directory;
    can('read', 'Org', { kind: 'seller' });
    can('read', 'Org', { id: { $in: staffedPartyOrgIds } });
    can('read', 'Org', { id: { $nin: partyOrgIds } });
    can('read', 'User', { role: { $in: ['admin', 'staff'] } });
    can('read', 'User', { orgId: { $in: staffedPartyOrgIds } });
  }

  const managerRooms = facts.staffRooms.filter((s) => s.role === 'manager').map((s) => s.roomId);
  const counselRooms = facts.staffRooms.filter((s) => s.role === 'counsel').map((s) => s.roomId);
  const staffRooms = [...managerRooms, ...counselRooms];
  if (staffRooms.length > 0) {
    can(['list', 'read', 'registerNda', 'oversee'], 'Room', { id: { $in: staffRooms } });
    can(['view', 'download', 'original'], 'Document', { roomId: { $in: staffRooms } });
    can('read', ['Folder', 'Grant', 'Party'], { roomId: { $in: staffRooms } });
    can(['read', 'readFile'], 'Nda', { roomId: { $in: staffRooms } });
    can('readQuestions', 'Room', { id: { $in: staffRooms } });
    can('read', 'Question', { roomId: { $in: staffRooms } });
  }
  if (managerRooms.length > 0) {
    can('edit', 'Room', { id: { $in: managerRooms } });
    can('edit', ['Document', 'Folder', 'Grant', 'Party'], { roomId: { $in: managerRooms } });
    can(['assign', 'answer', 'approve', 'publish', 'close'], 'Question', { roomId: { $in: managerRooms } });
  }
  const expertRooms = facts.expertRooms ?? [];
  if (expertRooms.length > 0) {
    // An expert reaches the room's Q&A and, in it, only the questions assigned to them, without the
    // asker. The room is listed for them, with its name and status, but they do not read it (Room
    // read), so every route of its content answers them as for a missing room.
    can('list', 'Room', ROOM_EXPERT_FIELDS, { id: { $in: expertRooms } });
    can('readQuestions', 'Room', { id: { $in: expertRooms } });
    const assigned: MongoQuery = { roomId: { $in: expertRooms }, assignedTo: actor.id };
    can('read', 'Question', EXPERT_QUESTION_FIELDS, assigned);
    can('answer', 'Question', assigned);
  }
  if (counselRooms.length > 0) {
    can('decideNda', 'Room', { id: { $in: counselRooms } });
    can(['confirm', 'reject', 'terminate'], 'Nda', { roomId: { $in: counselRooms } });
    // Four eyes: whoever registered an NDA never confirms it; the refusal names the rule (REFUSAL_CODES).
    cannot('confirm', 'Nda', { registeredBy: actor.id }).because('four_eyes');
  }

  for (const m of facts.memberships) {
    // An external member always sees the room itself (its name, status and their NDA status)...
    can(['list', 'read'], 'Room', ROOM_SUMMARY_FIELDS, { id: m.roomId });
    // From outside the party's IP allow-list, or without a second factor where the room requires
    // one, the room itself is all a member sees.
    if (!m.ipAllowed || (m.requireMfa && !actor.mfa)) continue;
    // ...and their own organisation's NDAs in it, without the file.
    can('read', 'Nda', NDA_MEMBER_FIELDS, { roomId: m.roomId, orgId: actor.orgId });
    // Rule 1: a closed room gives nothing more. Rule 3: no NDA coverage gives nothing more.
    if (!membershipGivesContent(m, actor)) continue;
    can(['list', 'read'], 'Room', ROOM_MEMBER_FIELDS, { id: m.roomId });
    // Q&A: the party's own questions (the answer once approved), and the room's FAQs.
    can('readQuestions', 'Room', { id: m.roomId });
    const own: MongoQuery = { roomId: m.roomId, partyId: m.partyId };
    can(['create', 'close'], 'Question', own);
    can('read', 'Question', MEMBER_QUESTION_FIELDS, own);
    can('read', 'Question', QUESTION_ANSWER_FIELDS, { ...own, approvedAt: { $ne: null } });
    can('read', 'Question', FAQ_FIELDS, { roomId: m.roomId, faqPublishedAt: { $ne: null }, approvedAt: { $ne: null } });
    // A folder only where something below it is theirs to view, or a grant names it (visible-folders.ts).
    if (m.visibleFolderIds.length > 0) can('read', 'Folder', { roomId: m.roomId, id: { $in: m.visibleFolderIds } });
    const coveredEntityIds = [...m.coverage.keys()];
    for (const g of m.grants) {
      // Rule 6: only what the deal team has published leaves it; drafts and withdrawn documents stay in.
      const inGrant: MongoQuery = g.folderIds ? { roomId: m.roomId, status: 'published', folderId: { $in: g.folderIds } } : { roomId: m.roomId, status: 'published' };
      // Rule 5: clean-team documents need a clean-team member, whatever the grant allows.
      const maxClassification = m.cleanTeam ? g.maxClassificationRank : Math.min(g.maxClassificationRank, CLEAN_TEAM_RANK - 1);
      // Rule 4: the grant's level and limits; rule 3: only the entities an NDA covers.
      for (const level of LEVELS.slice(0, g.levelRank + 1)) {
        can(level, 'Document', {
          ...inGrant,
          entityId: { $in: coveredEntityIds },
          classificationRank: { $lte: maxClassification },
          personalDataRank: { $lte: g.maxPersonalDataRank },
        });
        // A dataset is shaped to the grant's personal-data limit instead of hidden by it
        // (datasets/delivery-form.ts): its personal columns are pseudonymised or left out.
        can(level, 'Document', { ...inGrant, kind: 'dataset', entityId: { $in: coveredEntityIds }, classificationRank: { $lte: maxClassification } });
        // Rule 3 per row: a dataset whose entity column maps rows to a covered entity is theirs to
        // see, with the rows of the entities covered only — whatever entity the file itself is filed under.
        if (m.datasetIds.length > 0) can(level, 'Document', { ...inGrant, id: { $in: m.datasetIds }, classificationRank: { $lte: maxClassification } });
      }
    }
  }
  // The stored file of a dataset holds every row and every column as the seller has them: outside
  // the deal team it leaves only as each recipient's delivery, never as the original.
  if (actor.role === 'external') cannot('original', 'Document', { kind: 'dataset' });
  // Four eyes: whoever wrote an answer never approves it, admins included (assert-allowed.ts names
  // the refusal). Only where the actor could approve at all: anyone else is simply not a manager.
  if (actor.role === 'admin') cannot('approve', 'Question', { answeredBy: actor.id }).because('four_eyes_answer');
  else if (managerRooms.length > 0) cannot('approve', 'Question', { roomId: { $in: managerRooms }, answeredBy: actor.id }).because('four_eyes_answer');
  return build();
}
