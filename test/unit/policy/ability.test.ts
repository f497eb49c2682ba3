/**
 * The access rule of docs/access-rule.md, judged one object at a time on hand-built facts. Every expected
 * answer is written out from the rule (and the action list of ability.ts's header), never computed
 * by the code under test.
 */
import { asSubject, buildAbility, membershipGivesContent, QUESTION_FIELDS, readableFields, ROOM_FIELDS, type Action, type AppAbility, type SubjectType } from '../../../server/policy/ability.js';
import { actorOf, documentOf, factsOf, grantOf, LEVEL_NAMES, membershipOf, type DocumentRow } from './facts.js';

const can = (ability: AppAbility, action: Action, type: SubjectType, row: object) => ability.can(action, asSubject(type, row));
const levelsOn = (ability: AppAbility, doc: DocumentRow) => LEVEL_NAMES.filter((l) => can(ability, l, 'Document', doc));

const ROOM_ACTIONS: Action[] = ['read', 'edit', 'registerNda', 'decideNda', 'oversee'];
const roomActions = (ability: AppAbility, roomId: string) => ROOM_ACTIONS.filter((a) => can(ability, a, 'Room', { id: roomId }));
const DOCUMENT_ACTIONS: Action[] = ['view', 'download', 'original', 'edit'];
const documentActions = (ability: AppAbility, roomId: string) => DOCUMENT_ACTIONS.filter((a) => can(ability, a, 'Document', documentOf({ roomId })));
/** What the caller may do with the folders, grants, parties and NDAs of a room. */
const roomContent = (ability: AppAbility, roomId: string) => ({
  Folder: (['read', 'edit'] as Action[]).filter((a) => can(ability, a, 'Folder', { id: 'F1', roomId })),
  Grant: (['read', 'edit'] as Action[]).filter((a) => can(ability, a, 'Grant', { id: 'G1', roomId, partyId: 'P1' })),
  Party: (['read', 'edit'] as Action[]).filter((a) => can(ability, a, 'Party', { id: 'P1', roomId })),
  Nda: (['read', 'readFile'] as Action[]).filter((a) => can(ability, a, 'Nda', { id: 'N1', roomId, orgId: 'ACQ' })),
});
const NOTHING = { Folder: [], Grant: [], Party: [], Nda: [] };

// Abilities are built inside each test, never while the suite is collected: the mutation run
// (perTest coverage) then knows which test reaches which line.
describe('an admin', () => {
  let ability: AppAbility;
  beforeEach(() => {
    ability = buildAbility(factsOf(actorOf('admin')));
  });

  it('acts as manager in every room, never as counsel (confirming NDAs stays with counsel)', () => {
    for (const room of ['R1', 'R2']) {
      expect(roomActions(ability, room)).toEqual(['read', 'edit', 'registerNda', 'oversee']);
      expect(documentActions(ability, room)).toEqual(['view', 'download', 'original', 'edit']);
      expect(roomContent(ability, room)).toEqual({ Folder: ['read', 'edit'], Grant: ['read', 'edit'], Party: ['read', 'edit'], Nda: ['read', 'readFile'] });
    }
  });

  it('creates rooms, keeps the directory and reads every organisation and person', () => {
    expect(ability.can('create', 'Room')).toBe(true);
    expect(ability.can('read', 'Directory')).toBe(true);
    expect(ability.can('edit', 'Directory')).toBe(true);
    expect(can(ability, 'read', 'Org', { id: 'ACQ', kind: 'acquirer' })).toBe(true);
    expect(can(ability, 'read', 'User', { id: 'u', role: 'external', orgId: 'ACQ' })).toBe(true);
  });
  it('reads every field of a room', () => {
    expect([...readableFields(ability, 'Room', { id: 'R1' }, ROOM_FIELDS)].sort()).toEqual([...ROOM_FIELDS].sort());
  });
});

describe('seller staff', () => {
  it('see a room they manage and everything in it, edit it, register NDAs in it, but do not decide NDAs', () => {
    const ability = buildAbility(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R1', role: 'manager' }] }));
    expect(roomActions(ability, 'R1')).toEqual(['read', 'edit', 'registerNda', 'oversee']);
    expect(documentActions(ability, 'R1')).toEqual(['view', 'download', 'original', 'edit']);
    expect(roomContent(ability, 'R1')).toEqual({ Folder: ['read', 'edit'], Grant: ['read', 'edit'], Party: ['read', 'edit'], Nda: ['read', 'readFile'] });
    expect([...readableFields(ability, 'Room', { id: 'R1' }, ROOM_FIELDS)].sort()).toEqual([...ROOM_FIELDS].sort());
  });

  it('see drafts and withdrawn documents of the rooms they staff like published ones (staged disclosure is for outsiders)', () => {
    for (const role of ['manager', 'counsel'] as const) {
      const ability = buildAbility(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R1', role }] }));
      for (const status of ['draft', 'published', 'withdrawn']) expect(levelsOn(ability, documentOf({ status }))).toEqual(['view', 'download', 'original']);
    }
  });

  it('see a room they are counsel of and everything in it, decide its NDAs, but change nothing of its content', () => {
    const ability = buildAbility(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R1', role: 'counsel' }] }));
    expect(roomActions(ability, 'R1')).toEqual(['read', 'registerNda', 'decideNda', 'oversee']);
    expect(documentActions(ability, 'R1')).toEqual(['view', 'download', 'original']);
    expect(roomContent(ability, 'R1')).toEqual({ Folder: ['read'], Grant: ['read'], Party: ['read'], Nda: ['read', 'readFile'] });
  });

  it('see nothing of a room they do not staff, whatever they are elsewhere', () => {
    const ability = buildAbility(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R1', role: 'manager' }, { roomId: 'R2', role: 'counsel' }] }));
    expect(roomActions(ability, 'R3')).toEqual([]);
    expect(documentActions(ability, 'R3')).toEqual([]);
    expect(roomContent(ability, 'R3')).toEqual(NOTHING);
    // Each role in its own room only: manager of R1 is not counsel there, counsel of R2 is not manager there.
    expect(roomActions(ability, 'R1')).toEqual(['read', 'edit', 'registerNda', 'oversee']);
    expect(roomActions(ability, 'R2')).toEqual(['read', 'registerNda', 'decideNda', 'oversee']);
    expect(documentActions(ability, 'R2')).toEqual(['view', 'download', 'original']);
    expect(roomContent(ability, 'R2')).toEqual({ Folder: ['read'], Grant: ['read'], Party: ['read'], Nda: ['read', 'readFile'] });
  });

  it('who staff no room create rooms and read the directory, but see no room and cannot change the directory', () => {
    const ability = buildAbility(factsOf(actorOf('staff'), { directory: { staffedPartyOrgIds: [], partyOrgIds: [] } }));
    expect(ability.can('create', 'Room')).toBe(true);
    expect(ability.can('read', 'Directory')).toBe(true);
    expect(ability.can('edit', 'Directory')).toBe(false);
    expect(roomActions(ability, 'R1')).toEqual([]);
    expect(documentActions(ability, 'R1')).toEqual([]);
    expect(roomContent(ability, 'R1')).toEqual(NOTHING);
  });

  describe('read the directory of their own deals only (issue 15)', () => {
    // Staff of R1, whose parties are ACQ (+ advisor ADV); ACQ2 is a bidder in another room only; LONE is in no party.
    let ability: AppAbility;
    beforeEach(() => {
      ability = buildAbility(factsOf(actorOf('staff'), {
        staffRooms: [{ roomId: 'R1', role: 'manager' }],
        directory: { staffedPartyOrgIds: ['ACQ', 'ADV'], partyOrgIds: ['ACQ', 'ACQ2', 'ADV'] },
      }));
    });
    const org = (id: string, kind: string) => can(ability, 'read', 'Org', { id, kind });
    const user = (role: string, orgId: string) => can(ability, 'read', 'User', { id: `u-${orgId}`, role, orgId });

    it('the seller group, its people, and the organisations and people of the parties of the rooms they staff', () => {
      expect(org('SELLER', 'seller')).toBe(true);
      expect(org('ACQ', 'acquirer')).toBe(true);
      expect(org('ADV', 'advisor')).toBe(true);
      expect(user('admin', 'SELLER')).toBe(true);
      expect(user('staff', 'SELLER')).toBe(true);
      expect(user('external', 'ACQ')).toBe(true);
      expect(user('external', 'ADV')).toBe(true);
    });
    it('organisations in no party at all (a bidder to pick), but not their people', () => {
      expect(org('LONE', 'acquirer')).toBe(true);
      expect(user('external', 'LONE')).toBe(false);
    });
    it('not the bidders of rooms they do not staff, nor their people', () => {
      expect(org('ACQ2', 'acquirer')).toBe(false);
      expect(user('external', 'ACQ2')).toBe(false);
    });
  });
});

describe('an external user', () => {
  const external = actorOf('external');

  it('never creates rooms, reads the directory, organisations or people, nor staff-only parts of a room', () => {
    const ability = buildAbility(factsOf(external, { memberships: [membershipOf({ grants: [grantOf()], visibleFolderIds: ['F1'] })] }));
    expect(ability.can('create', 'Room')).toBe(false);
    expect(ability.can('read', 'Directory')).toBe(false);
    expect(ability.can('edit', 'Directory')).toBe(false);
    expect(can(ability, 'read', 'Org', { id: 'ACQ', kind: 'acquirer' })).toBe(false);
    expect(can(ability, 'read', 'Org', { id: 'SELLER', kind: 'seller' })).toBe(false);
    expect(can(ability, 'read', 'User', { id: 'x', role: 'external', orgId: 'ACQ' })).toBe(false);
    expect(roomActions(ability, 'R1')).toEqual(['read']);
    expect(roomContent(ability, 'R1')).toEqual({ Folder: ['read'], Grant: [], Party: [], Nda: ['read'] });
    expect(can(ability, 'edit', 'Document', documentOf())).toBe(false);
  });

  it('sees nothing of a room they are no member of', () => {
    const ability = buildAbility(factsOf(external, { memberships: [membershipOf({ grants: [grantOf()], visibleFolderIds: ['F1'] })] }));
    expect(roomActions(ability, 'R2')).toEqual([]);
    expect(levelsOn(ability, documentOf({ roomId: 'R2' }))).toEqual([]);
    expect(can(ability, 'read', 'Folder', { id: 'F1', roomId: 'R2' })).toBe(false);
    expect(can(ability, 'read', 'Nda', { id: 'N9', roomId: 'R2', orgId: 'ACQ' })).toBe(false);
  });

  it("reads their own organisation's NDAs of the room, not another's, and never the signed file", () => {
    const ability = buildAbility(factsOf(external, { memberships: [membershipOf()] }));
    expect(can(ability, 'read', 'Nda', { id: 'N1', roomId: 'R1', orgId: 'ACQ' })).toBe(true);
    expect(can(ability, 'read', 'Nda', { id: 'N2', roomId: 'R1', orgId: 'OTHER' })).toBe(false);
    expect(can(ability, 'readFile', 'Nda', { id: 'N1', roomId: 'R1', orgId: 'ACQ' })).toBe(false);
  });

  describe('with no content of the room (docs/access-rule.md: the room\'s name and their NDA status, and nothing else)', () => {
    const summary = ['codeName', 'id', 'name', 'nda', 'status'];
    const memberFields = ['codeName', 'createdAt', 'entityIds', 'id', 'name', 'nda', 'questionLimitPerParty', 'status'];
    const whole = membershipOf({ grants: [grantOf()], visibleFolderIds: ['F1'] });
    const cases: Array<[string, Parameters<typeof membershipOf>[0], boolean]> = [
      ['no NDA covers them', { coverage: new Map() }, true],
      ['the room is closed', { roomOpen: false }, true],
      ["the request comes from outside the party's IP allow-list", { ipAllowed: false }, false],
      ['the room requires a second factor and the request has none', { requireMfa: true }, false],
    ];
    it.each(cases)('when %s: the room summary only, no folder, no document', (_why, over, ndaStatus) => {
      const m = { ...whole, ...over };
      const ability = buildAbility(factsOf(external, { memberships: [m] }));
      expect(membershipGivesContent(m, external)).toBe(false);
      expect(roomActions(ability, 'R1')).toEqual(['read']);
      expect([...readableFields(ability, 'Room', { id: 'R1' }, ROOM_FIELDS)].sort()).toEqual(summary);
      expect(can(ability, 'read', 'Folder', { id: 'F1', roomId: 'R1' })).toBe(false);
      expect(levelsOn(ability, documentOf())).toEqual([]);
      // Their NDA status stays visible inside the room; outside the allow-list or without the second factor, not even that.
      expect(can(ability, 'read', 'Nda', { id: 'N1', roomId: 'R1', orgId: 'ACQ' })).toBe(ndaStatus);
    });

    it('with the second factor the room requires, the content opens', () => {
      const m = { ...whole, requireMfa: true };
      const mfaActor = actorOf('external', { mfa: true });
      expect(membershipGivesContent(m, mfaActor)).toBe(true);
      const ability = buildAbility(factsOf(mfaActor, { memberships: [m] }));
      expect(levelsOn(ability, documentOf())).toEqual(['view', 'download', 'original']);
      expect([...readableFields(ability, 'Room', { id: 'R1' }, ROOM_FIELDS)].sort()).toEqual(memberFields);
    });
    it('with content, every field of the room but how the deal team stages its uploads', () => {
      expect(membershipGivesContent(whole, external)).toBe(true);
      const ability = buildAbility(factsOf(external, { memberships: [whole] }));
      expect([...readableFields(ability, 'Room', { id: 'R1' }, ROOM_FIELDS)].sort()).toEqual(memberFields);
    });
  });

  it('sees exactly the folders the facts make visible, in their room', () => {
    const ability = buildAbility(factsOf(external, { memberships: [membershipOf({ grants: [grantOf({ folderId: 'F1', folderIds: ['F1'] })], visibleFolderIds: ['F1', 'F2'] })] }));
    expect(can(ability, 'read', 'Folder', { id: 'F1', roomId: 'R1' })).toBe(true);
    expect(can(ability, 'read', 'Folder', { id: 'F2', roomId: 'R1' })).toBe(true);
    expect(can(ability, 'read', 'Folder', { id: 'F3', roomId: 'R1' })).toBe(false);
    expect(can(ability, 'edit', 'Folder', { id: 'F1', roomId: 'R1' })).toBe(false);
  });

  describe('acts on a document at the levels rules 3–5 give', () => {
    const withGrant = (grant: Parameters<typeof grantOf>[0], over: Parameters<typeof membershipOf>[0] = {}) =>
      buildAbility(factsOf(external, { memberships: [membershipOf({ grants: [grantOf(grant)], ...over })] }));

    it('up to the level of the grant: view < download < original', () => {
      expect(levelsOn(withGrant({ levelRank: 0 }), documentOf())).toEqual(['view']);
      expect(levelsOn(withGrant({ levelRank: 1 }), documentOf())).toEqual(['view', 'download']);
      expect(levelsOn(withGrant({ levelRank: 2 }), documentOf())).toEqual(['view', 'download', 'original']);
    });
    it('with no grant, nothing, even when covered', () => {
      expect(levelsOn(buildAbility(factsOf(external, { memberships: [membershipOf()] })), documentOf())).toEqual([]);
    });
    it("only for the entities an NDA covers (rule 3)", () => {
      const ability = withGrant({}, { coverage: new Map([['E1', ['N1']], ['E2', ['N2', 'N3']]]) });
      expect(levelsOn(ability, documentOf({ entityId: 'E1' }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(ability, documentOf({ entityId: 'E2' }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(ability, documentOf({ entityId: 'E3' }))).toEqual([]);
    });
    it("only in the grant's folder subtree; a grant without folder covers the whole room", () => {
      const inFolder = withGrant({ folderId: 'F1', folderIds: ['F1', 'F11'] });
      expect(levelsOn(inFolder, documentOf({ folderId: 'F1' }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(inFolder, documentOf({ folderId: 'F11' }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(inFolder, documentOf({ folderId: 'F2' }))).toEqual([]);
      expect(levelsOn(withGrant({ folderId: null, folderIds: null }), documentOf({ folderId: 'F2' }))).toEqual(['view', 'download', 'original']);
    });
    it('classification up to the grant\'s maximum, at and below it', () => {
      const ability = withGrant({ maxClassificationRank: 1 });
      expect(levelsOn(ability, documentOf({ classificationRank: 0 }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(ability, documentOf({ classificationRank: 1 }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(ability, documentOf({ classificationRank: 2 }))).toEqual([]);
    });
    it('personal data up to the grant\'s maximum, at and below it', () => {
      const ability = withGrant({ maxPersonalDataRank: 1 });
      expect(levelsOn(ability, documentOf({ personalDataRank: 0 }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(ability, documentOf({ personalDataRank: 1 }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(ability, documentOf({ personalDataRank: 2 }))).toEqual([]);
    });
    it('a clean-team document only for a clean-team member, whatever the grant allows (rule 5)', () => {
      expect(levelsOn(withGrant({ maxClassificationRank: 3 }), documentOf({ classificationRank: 3 }))).toEqual([]);
      expect(levelsOn(withGrant({ maxClassificationRank: 3 }), documentOf({ classificationRank: 2 }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(withGrant({ maxClassificationRank: 3 }, { cleanTeam: true }), documentOf({ classificationRank: 3 }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(withGrant({ maxClassificationRank: 2 }, { cleanTeam: true }), documentOf({ classificationRank: 3 }))).toEqual([]);
    });
    it('the best of several grants, each with its own limits', () => {
      const ability = buildAbility(factsOf(external, { memberships: [membershipOf({ grants: [
        grantOf({ grantId: 'G1', levelRank: 0, maxClassificationRank: 2, maxPersonalDataRank: 2 }),
        grantOf({ grantId: 'G2', folderId: 'F2', folderIds: ['F2'], levelRank: 2, maxClassificationRank: 0, maxPersonalDataRank: 0 }),
      ] })] }));
      expect(levelsOn(ability, documentOf({ folderId: 'F2' }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(ability, documentOf({ folderId: 'F2', classificationRank: 1 }))).toEqual(['view']);
      expect(levelsOn(ability, documentOf({ folderId: 'F1' }))).toEqual(['view']);
    });
    it('each membership in its own room only: a grant in one room opens nothing in another', () => {
      const ability = buildAbility(factsOf(external, { memberships: [
        membershipOf({ roomId: 'R1', grants: [grantOf({ levelRank: 2 })] }),
        membershipOf({ roomId: 'R2', partyId: 'P2', coverage: new Map([['E2', ['N7']]]), grants: [grantOf({ grantId: 'G7', levelRank: 0 })] }),
      ] }));
      expect(levelsOn(ability, documentOf({ roomId: 'R1', entityId: 'E1' }))).toEqual(['view', 'download', 'original']);
      expect(levelsOn(ability, documentOf({ roomId: 'R1', entityId: 'E2' }))).toEqual([]);
      expect(levelsOn(ability, documentOf({ roomId: 'R2', entityId: 'E2' }))).toEqual(['view']);
      expect(levelsOn(ability, documentOf({ roomId: 'R2', entityId: 'E1' }))).toEqual([]);
      expect(levelsOn(ability, documentOf({ roomId: 'R3' }))).toEqual([]);
    });
    it('only a published document: a draft or a withdrawn one is nobody\'s outside the deal team, whatever the grant (rule 6)', () => {
      for (const grant of [{}, { folderId: 'F1', folderIds: ['F1'] }]) {
        expect(levelsOn(withGrant(grant), documentOf({ status: 'published' }))).toEqual(['view', 'download', 'original']);
        expect(levelsOn(withGrant(grant), documentOf({ status: 'draft' }))).toEqual([]);
        expect(levelsOn(withGrant(grant), documentOf({ status: 'withdrawn' }))).toEqual([]);
        expect(levelsOn(withGrant(grant), documentOf({ status: 'draft', kind: 'dataset' }))).toEqual([]);
      }
      const viaEntityMap = withGrant({}, { coverage: new Map([['E2', ['N2']]]), datasetIds: ['D1'] });
      expect(levelsOn(viaEntityMap, documentOf({ kind: 'dataset', status: 'published' }))).toEqual(['view', 'download']);
      expect(levelsOn(viaEntityMap, documentOf({ kind: 'dataset', status: 'withdrawn' }))).toEqual([]);
    });
    it('a closed room, an uncovered member, an address outside the allow-list or a missing second factor: no document at all', () => {
      for (const over of [{ roomOpen: false }, { coverage: new Map() }, { ipAllowed: false }, { requireMfa: true }]) {
        expect(levelsOn(withGrant({}, over), documentOf())).toEqual([]);
      }
    });
  });
});

describe('Q&A (issue 20): questions belong to the asking party; experts see their assigned questions without the asker', () => {
  const QUESTION_ACTIONS: Action[] = ['create', 'read', 'assign', 'answer', 'approve', 'publish', 'close'];
  /** A question of party P1 in room R1, as stored: open, unassigned, unanswered, no FAQ. */
  const questionOf = (over: Record<string, unknown> = {}) => ({
    id: 'Q1', roomId: 'R1', partyId: 'P1', status: 'open', assignedTo: null, answeredBy: null, approvedAt: null, faqPublishedAt: null, ...over,
  });
  const actions = (ability: AppAbility, row: object) => QUESTION_ACTIONS.filter((a) => can(ability, a, 'Question', row));
  const fields = (ability: AppAbility, row: object) => [...readableFields(ability, 'Question', row, QUESTION_FIELDS)].sort();
  const expert = actorOf('staff', { id: 'u-expert' });
  const expertAbility = () => buildAbility(factsOf(expert, { expertRooms: ['R1'] }));
  const memberAbility = (over: Parameters<typeof membershipOf>[0] = {}) => buildAbility(factsOf(actorOf('external'), { memberships: [membershipOf(over)] }));

  it('a manager reads, assigns, answers, approves, publishes and closes the questions of their room, every field; counsel only reads', () => {
    const manager = buildAbility(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R1', role: 'manager' }] }));
    expect(actions(manager, questionOf())).toEqual(['read', 'assign', 'answer', 'approve', 'publish', 'close']);
    expect(fields(manager, questionOf())).toEqual([...QUESTION_FIELDS].sort());
    expect(actions(manager, questionOf({ roomId: 'R2' }))).toEqual([]);
    expect(can(manager, 'readQuestions', 'Room', { id: 'R1' })).toBe(true);
    const counsel = buildAbility(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R1', role: 'counsel' }] }));
    expect(actions(counsel, questionOf())).toEqual(['read']);
    expect(fields(counsel, questionOf())).toContain('partyId');
  });

  it('four eyes: the author of an answer never approves it, a manager or an admin', () => {
    const manager = buildAbility(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R1', role: 'manager' }] }));
    expect(can(manager, 'approve', 'Question', questionOf({ status: 'answer_pending', answeredBy: 'u-staff' }))).toBe(false);
    expect(manager.relevantRuleFor('approve', asSubject('Question', questionOf({ answeredBy: 'u-staff' })))?.reason).toBe('four_eyes_answer');
    expect(can(manager, 'approve', 'Question', questionOf({ status: 'answer_pending', answeredBy: 'u-other' }))).toBe(true);
    const admin = buildAbility(factsOf(actorOf('admin')));
    expect(can(admin, 'approve', 'Question', questionOf({ answeredBy: 'u-admin' }))).toBe(false);
    expect(can(admin, 'approve', 'Question', questionOf({ answeredBy: 'u-staff' }))).toBe(true);
  });

  it('an expert reads and answers only what is assigned to them, without the party, its number or its people; nothing else of the room', () => {
    const ability = expertAbility();
    expect(actions(ability, questionOf({ assignedTo: 'u-expert' }))).toEqual(['read', 'answer']);
    expect(actions(ability, questionOf({ assignedTo: 'u-other' }))).toEqual([]);
    expect(actions(ability, questionOf())).toEqual([]);
    expect(actions(ability, questionOf({ roomId: 'R2', assignedTo: 'u-expert' }))).toEqual([]);
    const seen = fields(ability, questionOf({ assignedTo: 'u-expert' }));
    for (const hidden of ['partyId', 'number', 'createdBy', 'closedBy']) expect(seen).not.toContain(hidden);
    expect(seen).toEqual(expect.arrayContaining(['subject', 'body', 'answer', 'status']));
    expect(can(ability, 'readQuestions', 'Room', { id: 'R1' })).toBe(true);
    // The room itself only to find it in the room list: its name and status, not the entities for sale.
    expect(roomActions(ability, 'R1')).toEqual([]);
    expect(can(ability, 'list', 'Room', { id: 'R1' })).toBe(true);
    expect([...readableFields(ability, 'Room', { id: 'R1' }, ROOM_FIELDS, 'list')]).toEqual(['id', 'name', 'codeName', 'status']);
    expect(can(ability, 'list', 'Room', { id: 'R2' })).toBe(false);
    expect(documentActions(ability, 'R1')).toEqual([]);
    expect(roomContent(ability, 'R1')).toEqual(NOTHING);
  });

  it("a covered member asks and closes for their own party, reads its questions without the party id, the answer only once approved", () => {
    const ability = memberAbility();
    expect(can(ability, 'create', 'Question', { roomId: 'R1', partyId: 'P1' })).toBe(true);
    expect(can(ability, 'create', 'Question', { roomId: 'R1', partyId: 'P2' })).toBe(false);
    expect(actions(ability, questionOf())).toEqual(['create', 'read', 'close']);
    const unanswered = fields(ability, questionOf({ status: 'answer_pending', answeredBy: 'u-staff' }));
    expect(unanswered).toEqual(['body', 'closedAt', 'createdAt', 'createdBy', 'documentId', 'faq', 'id', 'number', 'priority', 'roomId', 'status', 'subject']);
    const approved = fields(ability, questionOf({ status: 'answered', approvedAt: '2030-01-01T00:00:00.000Z' }));
    expect(approved).toEqual([...unanswered, 'answer', 'answerDocumentIds', 'approvedAt'].sort());
    // A question closed with a draft answer never approved: still no answer.
    expect(fields(ability, questionOf({ status: 'closed', answeredBy: 'u-staff' }))).not.toContain('answer');
  });

  it("a member reads another party's question only as an FAQ, and then only the question and its answer as published", () => {
    const ability = memberAbility();
    expect(actions(ability, questionOf({ partyId: 'P2', status: 'answered', approvedAt: 'x' }))).toEqual([]);
    const faq = questionOf({ partyId: 'P2', status: 'answered', approvedAt: 'x', faqPublishedAt: 'y' });
    expect(actions(ability, faq)).toEqual(['read']);
    // The FAQ's wording, never the question as the other party wrote it.
    expect(fields(ability, faq)).toEqual(['answerDocumentIds', 'faq', 'faqAnswer', 'faqBody', 'faqPublishedAt', 'faqSubject', 'id', 'roomId']);
    expect(actions(ability, { ...faq, roomId: 'R2' })).toEqual([]);
  });

  it('a member the room gives no content (closed, uncovered, outside the allow-list, no second factor) has no Q&A at all', () => {
    for (const over of [{ roomOpen: false }, { coverage: new Map() }, { ipAllowed: false }, { requireMfa: true }]) {
      const ability = memberAbility(over);
      expect(actions(ability, questionOf())).toEqual([]);
      expect(actions(ability, questionOf({ partyId: 'P2', approvedAt: 'x', faqPublishedAt: 'y' }))).toEqual([]);
      expect(can(ability, 'readQuestions', 'Room', { id: 'R1' })).toBe(false);
    }
  });
});
