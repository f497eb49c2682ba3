/**
 * The list side of the rule: accessibleBy's SQL filter, run on an in-memory SQLite (knex + sqlite3,
 * as the app runs it), selects exactly the rows `ability.can` allows one by one — for the abilities
 * the app builds, and for hand-written rules that hit each operator and guard. Expected rows are also
 * written out where the rule says them.
 */
import knexFactory, { type Knex } from 'knex';
import { createMongoAbility } from '@casl/ability';
import fc from 'fast-check';
import { accessibleBy, mergeAlikeBranches } from '../../../server/policy/accessible-by.js';
import { asSubject, buildAbility, type Action, type AppAbility, type SubjectType } from '../../../server/policy/ability.js';
import { actorOf, documentOf, factsOf, grantOf, membershipOf } from './facts.js';

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const TABLES: Record<string, { type: SubjectType; columns: string[]; rows: Array<Record<string, string | number | null>> }> = {
  rooms: { type: 'Room', columns: ['id', 'status'], rows: [{ id: 'R1', status: 'open' }, { id: 'R2', status: 'open' }, { id: 'R3', status: 'closed' }] },
  documents: {
    type: 'Document',
    columns: ['id', 'roomId', 'folderId', 'entityId', 'classificationRank', 'personalDataRank', 'kind', 'status'],
    rows: [
      documentOf({ id: 'D1' }),
      documentOf({ id: 'D2', folderId: 'F11' }),
      documentOf({ id: 'D3', folderId: 'F2' }),
      documentOf({ id: 'D4', entityId: 'E2' }),
      documentOf({ id: 'D5', classificationRank: 1 }),
      documentOf({ id: 'D6', classificationRank: 3 }),
      documentOf({ id: 'D7', personalDataRank: 2 }),
      documentOf({ id: 'D8', roomId: 'R2', folderId: 'F21' }),
      documentOf({ id: 'D9', roomId: 'R3', folderId: 'F31' }),
      // Datasets: shaped to the personal-data limit rather than hidden by it; rows of a covered entity.
      documentOf({ id: 'D10', kind: 'dataset', personalDataRank: 2 }),
      documentOf({ id: 'D11', kind: 'dataset', entityId: 'E2' }),
      documentOf({ id: 'D12', kind: 'dataset', entityId: 'E2', classificationRank: 3 }),
      // Staged disclosure (rule 6): drafts and withdrawn documents, of a kind and entity that would otherwise be seen.
      documentOf({ id: 'D13', status: 'draft' }),
      documentOf({ id: 'D14', status: 'withdrawn', folderId: 'F11' }),
      documentOf({ id: 'D15', kind: 'dataset', entityId: 'E2', status: 'draft' }),
    ],
  },
  folders: { type: 'Folder', columns: ['id', 'roomId', 'parentId'], rows: [
    { id: 'F1', roomId: 'R1', parentId: null }, { id: 'F11', roomId: 'R1', parentId: 'F1' }, { id: 'F2', roomId: 'R1', parentId: null },
    { id: 'F21', roomId: 'R2', parentId: null }, { id: 'F31', roomId: 'R3', parentId: null },
  ] },
  ndas: { type: 'Nda', columns: ['id', 'roomId', 'orgId'], rows: [{ id: 'N1', roomId: 'R1', orgId: 'ACQ' }, { id: 'N2', roomId: 'R1', orgId: 'ACQ2' }, { id: 'N3', roomId: 'R2', orgId: 'ACQ' }] },
  grants: { type: 'Grant', columns: ['id', 'roomId', 'partyId'], rows: [{ id: 'G1', roomId: 'R1', partyId: 'P1' }, { id: 'G2', roomId: 'R2', partyId: 'P2' }] },
  parties: { type: 'Party', columns: ['id', 'roomId'], rows: [{ id: 'P1', roomId: 'R1' }, { id: 'P2', roomId: 'R2' }] },
  orgs: { type: 'Org', columns: ['id', 'kind'], rows: [
    { id: 'SELLER', kind: 'seller' }, { id: 'ACQ', kind: 'acquirer' }, { id: 'ADV', kind: 'advisor' }, { id: 'ACQ2', kind: 'acquirer' }, { id: 'LONE', kind: 'acquirer' },
  ] },
  // Q&A: questions of P1 (the member's party) and P2, in R1, R2 and the closed R3; assigned to the
  // expert or another; answered (approved or not), published as FAQs or not.
  questions: { type: 'Question', columns: ['id', 'roomId', 'partyId', 'status', 'assignedTo', 'answeredBy', 'approvedAt', 'faqPublishedAt'], rows: [
    { id: 'Q1', roomId: 'R1', partyId: 'P1', status: 'open', assignedTo: null, answeredBy: null, approvedAt: null, faqPublishedAt: null },
    { id: 'Q2', roomId: 'R1', partyId: 'P1', status: 'answer_pending', assignedTo: 'u-staff', answeredBy: 'u-staff', approvedAt: null, faqPublishedAt: null },
    { id: 'Q3', roomId: 'R1', partyId: 'P2', status: 'answered', assignedTo: 'u-staff', answeredBy: 'u-staff', approvedAt: 'T', faqPublishedAt: 'T' },
    { id: 'Q4', roomId: 'R1', partyId: 'P2', status: 'answered', assignedTo: 'u-other', answeredBy: 'u-other', approvedAt: 'T', faqPublishedAt: null },
    { id: 'Q5', roomId: 'R2', partyId: 'P2', status: 'closed', assignedTo: 'u-staff', answeredBy: 'u-other', approvedAt: 'T', faqPublishedAt: 'T' },
    { id: 'Q6', roomId: 'R3', partyId: 'P3', status: 'answered', assignedTo: null, answeredBy: 'u-other', approvedAt: 'T', faqPublishedAt: 'T' },
  ] },
  users: { type: 'User', columns: ['id', 'role', 'orgId'], rows: [
    { id: 'admin', role: 'admin', orgId: 'SELLER' }, { id: 'staff', role: 'staff', orgId: 'SELLER' }, { id: 'a1', role: 'external', orgId: 'ACQ' },
    { id: 'v1', role: 'external', orgId: 'ADV' }, { id: 'b1', role: 'external', orgId: 'ACQ2' }, { id: 'l1', role: 'external', orgId: 'LONE' },
  ] },
};

let db: Knex;
beforeAll(async () => {
  db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
  for (const [table, { columns, rows }] of Object.entries(TABLES)) {
    await db.schema.createTable(table, (t) => {
      for (const c of columns) (/Rank$/.test(c) ? t.integer(snake(c)) : t.string(snake(c)));
    });
    await db(table).insert(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [snake(k), v]))));
  }
});
afterAll(async () => {
  await db?.destroy();
});

/** The ids the SQL filter lists, in order. */
async function listed(ability: AppAbility, action: Action, table: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await db(table).where(accessibleBy(ability, action, TABLES[table].type, table)).select(`${table}.id`).orderBy(`${table}.id`);
  return rows.map((r) => r.id);
}
/** The ids `ability.can` allows one by one, in order. */
const allowed = (ability: AppAbility, action: Action, table: string) =>
  TABLES[table].rows.filter((r) => ability.can(action, asSubject(TABLES[table].type, r))).map((r) => String(r.id)).sort();

const ACTIONS: Record<string, Action[]> = {
  rooms: ['list', 'read', 'edit', 'registerNda', 'decideNda', 'oversee', 'readQuestions'],
  documents: ['view', 'download', 'original', 'edit'],
  folders: ['read', 'edit'],
  ndas: ['read', 'readFile'],
  grants: ['read', 'edit'],
  parties: ['read', 'edit'],
  orgs: ['read'],
  users: ['read'],
  questions: ['create', 'read', 'assign', 'answer', 'approve', 'publish', 'close'],
};

const external = actorOf('external');
/** Built inside each test (not while the suite is collected), so perTest coverage sees which test reaches what. */
const ABILITIES: Record<string, () => AppAbility> = {
  admin: () => buildAbility(factsOf(actorOf('admin'))),
  'manager of R1, counsel of R2': () => buildAbility(factsOf(actorOf('staff'), {
    staffRooms: [{ roomId: 'R1', role: 'manager' }, { roomId: 'R2', role: 'counsel' }],
    directory: { staffedPartyOrgIds: ['ACQ', 'ADV'], partyOrgIds: ['ACQ', 'ACQ2', 'ADV'] },
  })),
  'staff of no room, no party anywhere': () => buildAbility(factsOf(actorOf('staff'), { directory: { staffedPartyOrgIds: [], partyOrgIds: [] } })),
  'external member with grants': () => buildAbility(factsOf(external, { memberships: [
    membershipOf({ visibleFolderIds: ['F1', 'F11'], grants: [grantOf({ folderId: 'F1', folderIds: ['F1', 'F11'], levelRank: 1, maxClassificationRank: 1, maxPersonalDataRank: 1 })] }),
    membershipOf({ roomId: 'R3', partyId: 'P3', roomOpen: false, grants: [grantOf()] }),
  ] })),
  'external member covered for rows of a dataset filed under another entity': () => buildAbility(factsOf(external, { memberships: [
    membershipOf({ visibleFolderIds: ['F1'], datasetIds: ['D11'], grants: [grantOf({ maxClassificationRank: 1, maxPersonalDataRank: 0 })] }),
  ] })),
  'external member with no coverage': () => buildAbility(factsOf(external, { memberships: [membershipOf({ coverage: new Map(), grants: [grantOf()] })] })),
  'external member of no room': () => buildAbility(factsOf(external)),
  'expert of R1, manager of R2': () => buildAbility(factsOf(actorOf('staff'), { staffRooms: [{ roomId: 'R2', role: 'manager' }], expertRooms: ['R1'] })),
};

describe.each(Object.keys(ABILITIES))('the SQL filter lists what ability.can allows: %s', (who) => {
  it.each(Object.keys(TABLES))('%s, every action', async (table) => {
    for (const action of ACTIONS[table]) {
      expect({ action, ids: await listed(ABILITIES[who](), action, table) }).toEqual({ action, ids: allowed(ABILITIES[who](), action, table) });
    }
  });
});

describe('lists written out from the rule', () => {
  it('an admin lists every room and document; staff only those of the rooms they staff', async () => {
    expect(await listed(ABILITIES.admin(), 'read', 'rooms')).toEqual(['R1', 'R2', 'R3']);
    expect(await listed(ABILITIES.admin(), 'view', 'documents')).toEqual(['D1', 'D10', 'D11', 'D12', 'D13', 'D14', 'D15', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7', 'D8', 'D9']);
    const staff = ABILITIES['manager of R1, counsel of R2']();
    expect(await listed(staff, 'read', 'rooms')).toEqual(['R1', 'R2']);
    expect(await listed(staff, 'edit', 'rooms')).toEqual(['R1']);
    expect(await listed(staff, 'decideNda', 'rooms')).toEqual(['R2']);
    expect(await listed(staff, 'view', 'documents')).toEqual(['D1', 'D10', 'D11', 'D12', 'D13', 'D14', 'D15', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7', 'D8']);
    expect(await listed(staff, 'edit', 'grants')).toEqual(['G1']);
    expect(await listed(staff, 'read', 'orgs')).toEqual(['ACQ', 'ADV', 'LONE', 'SELLER']);
    expect(await listed(staff, 'read', 'users')).toEqual(['a1', 'admin', 'staff', 'v1']);
  });
  it('staff of no room, where no organisation is in a party, list the seller group and every organisation, and only seller people', async () => {
    const staff = ABILITIES['staff of no room, no party anywhere']();
    expect(await listed(staff, 'read', 'orgs')).toEqual(['ACQ', 'ACQ2', 'ADV', 'LONE', 'SELLER']);
    expect(await listed(staff, 'read', 'users')).toEqual(['admin', 'staff']);
    expect(await listed(staff, 'read', 'rooms')).toEqual([]);
  });
  it('an external member lists the documents of their grant within its limits, in open rooms, and their own NDAs', async () => {
    const member = ABILITIES['external member with grants']();
    // D10 is a dataset with identified personal data: shaped to the grant's limit, so listed. D13 (a
    // draft) and D14 (withdrawn) are in the grant's folders, within its limits: never listed (rule 6).
    expect(await listed(member, 'view', 'documents')).toEqual(['D1', 'D10', 'D2', 'D5']);
    expect(await listed(member, 'download', 'documents')).toEqual(['D1', 'D10', 'D2', 'D5']);
    expect(await listed(member, 'original', 'documents')).toEqual([]);
    expect(await listed(member, 'read', 'folders')).toEqual(['F1', 'F11']);
    expect(await listed(member, 'read', 'rooms')).toEqual(['R1', 'R3']);
    expect(await listed(member, 'read', 'ndas')).toEqual(['N1']);
    expect(await listed(member, 'read', 'orgs')).toEqual([]);
    expect(await listed(ABILITIES['external member with no coverage'](), 'view', 'documents')).toEqual([]);
    // D11 is filed under E2, which no NDA covers, but maps rows to E1: listed. Never a dataset's original.
    const rows = ABILITIES['external member covered for rows of a dataset filed under another entity']();
    expect(await listed(rows, 'view', 'documents')).toEqual(['D1', 'D10', 'D11', 'D2', 'D3', 'D5']);
    expect(await listed(rows, 'original', 'documents')).toEqual(['D1', 'D2', 'D3', 'D5']);
    expect(await listed(ABILITIES['external member of no room'](), 'read', 'rooms')).toEqual([]);
  });
  it('Q&A: the deal team lists every question, an expert those assigned, a member their own and the FAQs of their open room', async () => {
    expect(await listed(ABILITIES['manager of R1, counsel of R2'](), 'read', 'questions')).toEqual(['Q1', 'Q2', 'Q3', 'Q4', 'Q5']);
    expect(await listed(ABILITIES['manager of R1, counsel of R2'](), 'approve', 'questions')).toEqual(['Q1', 'Q4']);
    const expert = ABILITIES['expert of R1, manager of R2']();
    expect(await listed(expert, 'read', 'questions')).toEqual(['Q2', 'Q3', 'Q5']);
    expect(await listed(expert, 'answer', 'questions')).toEqual(['Q2', 'Q3', 'Q5']);
    expect(await listed(expert, 'approve', 'questions')).toEqual(['Q5']); // as manager of R2 only
    expect(await listed(expert, 'read', 'rooms')).toEqual(['R2']);
    expect(await listed(expert, 'list', 'rooms')).toEqual(['R1', 'R2']); // R1 in the room list, its content not
    expect(await listed(expert, 'readQuestions', 'rooms')).toEqual(['R1', 'R2']);
    expect(await listed(expert, 'view', 'documents')).toEqual(['D8']);
    const member = ABILITIES['external member with grants']();
    expect(await listed(member, 'read', 'questions')).toEqual(['Q1', 'Q2', 'Q3']);
    expect(await listed(member, 'close', 'questions')).toEqual(['Q1', 'Q2']);
    expect(await listed(ABILITIES['external member with no coverage'](), 'read', 'questions')).toEqual([]);
  });
  it('names its columns by table, so a join with columns of the same name stays unambiguous', async () => {
    const member = ABILITIES['external member with grants']();
    const rows: Array<{ id: string }> = await db('documents')
      .join('folders', 'folders.id', 'documents.folder_id')
      .where(accessibleBy(member, 'view', 'Document', 'documents'))
      .where(accessibleBy(member, 'read', 'Folder', 'folders'))
      .select('documents.id')
      .orderBy('documents.id');
    expect(rows.map((r) => r.id)).toEqual(['D1', 'D10', 'D2', 'D5']);
  });
});

describe('operators and guards on hand-written rules', () => {
  type Rule = { action: Action; subject: SubjectType; conditions?: Record<string, unknown>; inverted?: boolean };
  const abilityOf = (rules: Rule[]) => createMongoAbility(rules as never) as AppAbility;
  const both = async (rules: Rule[], table = 'folders', action: Action = 'read') => {
    const ability = abilityOf(rules);
    const ids = await listed(ability, action, table);
    expect(ids).toEqual(allowed(ability, action, table));
    return ids;
  };
  const read = (conditions?: Record<string, unknown>, inverted = false): Rule => ({ action: 'read', subject: 'Folder', ...(conditions ? { conditions } : {}), ...(inverted ? { inverted } : {}) });
  /** The filter as PostgreSQL would receive it: knex renders it without a connection. */
  const postgresSql = (ability: AppAbility) => {
    const pg = knexFactory({ client: 'pg' });
    return pg('folders').where(accessibleBy(ability, 'read', 'Folder', 'folders')).select('id').toQuery();
  };

  it('no rule for the action: nothing', async () => {
    expect(await both([])).toEqual([]);
    expect(await both([{ action: 'edit', subject: 'Folder' }])).toEqual([]);
  });
  it('a rule without conditions: everything', async () => {
    expect(await both([read()])).toEqual(['F1', 'F11', 'F2', 'F21', 'F31']);
  });
  it('a rule without conditions next to a conditional one: still everything', async () => {
    expect(await both([read({ roomId: 'R1' }), read()])).toEqual(['F1', 'F11', 'F2', 'F21', 'F31']);
  });
  it('$eq and $in', async () => {
    expect(await both([read({ roomId: 'R2' })])).toEqual(['F21']);
    expect(await both([read({ id: { $in: ['F2', 'F31'] } })])).toEqual(['F2', 'F31']);
  });
  it('$in of nothing: nothing, in SQL PostgreSQL accepts', async () => {
    expect(await both([read({ id: { $in: [] } })])).toEqual([]);
    expect(postgresSql(abilityOf([read({ id: { $in: [] } })]))).not.toMatch(/in\s*\(\s*\)/i);
  });
  it('$nin', async () => {
    expect(await both([read({ id: { $nin: ['F1', 'F2'] } })])).toEqual(['F11', 'F21', 'F31']);
  });
  it('$nin of nothing: everything, in SQL PostgreSQL accepts', async () => {
    expect(await both([read({ id: { $nin: [] } })])).toEqual(['F1', 'F11', 'F2', 'F21', 'F31']);
    expect(await both([read({ id: { $nin: [] }, roomId: 'R1' })])).toEqual(['F1', 'F11', 'F2']);
    expect(postgresSql(abilityOf([read({ id: { $nin: [] } })]))).not.toMatch(/in\s*\(\s*\)/i);
  });
  it('null: IS NULL and IS NOT NULL, never = NULL', async () => {
    expect(await both([read({ parentId: null })])).toEqual(['F1', 'F2', 'F21', 'F31']);
    expect(await both([read({ parentId: { $eq: null } })])).toEqual(['F1', 'F2', 'F21', 'F31']);
    expect(await both([read({ parentId: { $ne: null } })])).toEqual(['F11']);
  });
  it('$ne with a value', async () => {
    expect(await both([read({ roomId: { $ne: 'R1' } })])).toEqual(['F21', 'F31']);
  });
  it('ranks compared with $lte', async () => {
    expect(await both([{ action: 'view', subject: 'Document', conditions: { classificationRank: { $lte: 1 }, personalDataRank: { $lte: 0 } } }], 'documents', 'view'))
      .toEqual(['D1', 'D11', 'D13', 'D14', 'D15', 'D2', 'D3', 'D4', 'D5', 'D8', 'D9']);
  });
  it('an inverted rule on a column that is NULL leaves the row allowed, as ability.can does (NOT of unknown is not false)', async () => {
    expect(await both([read(), read({ parentId: 'F1' }, true)])).toEqual(['F1', 'F2', 'F21', 'F31']);
    expect(await both([read(), read({ parentId: { $in: ['F1'] } }, true)])).toEqual(['F1', 'F2', 'F21', 'F31']);
  });
  it('an inverted rule takes its rows out of what the others allow', async () => {
    expect(await both([read(), read({ roomId: 'R1' }, true)])).toEqual(['F21', 'F31']);
    expect(await both([read({ roomId: { $in: ['R1', 'R2'] } }), read({ parentId: { $ne: null } }, true)])).toEqual(['F1', 'F2', 'F21']);
  });
});

describe('the branches of a rule merged for SQL', () => {
  type Node = { operator: string; field?: string; value: unknown };
  const FIELDS = ['roomId', 'folderId', 'kind', 'status'];
  const VALUES = ['a', 'b', 'c', 'd'];
  /** The condition's truth for a row, as CASL reads it: eq, in, lte, and/or/not. */
  function holds(node: Node, row: Record<string, string>): boolean {
    if (node.field !== undefined) {
      const v = row[node.field]!;
      if (node.operator === 'eq') return v === node.value;
      if (node.operator === 'in') return (node.value as string[]).includes(v);
      if (node.operator === 'lte') return v <= (node.value as string);
      throw new Error(node.operator);
    }
    const parts = node.value as Node[];
    if (node.operator === 'and') return parts.every((p) => holds(p, row));
    if (node.operator === 'or') return parts.some((p) => holds(p, row));
    return !parts.every((p) => holds(p, row));
  }
  const field = fc.constantFrom(...FIELDS);
  const condition: fc.Arbitrary<Node> = fc.oneof(
    fc.record({ operator: fc.constant('eq'), field, value: fc.constantFrom(...VALUES) }),
    fc.record({ operator: fc.constant('in'), field, value: fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 3 }) }),
    fc.record({ operator: fc.constant('lte'), field, value: fc.constantFrom(...VALUES) }),
    fc.record({ operator: fc.constant('not'), value: fc.array(fc.record({ operator: fc.constant('eq'), field, value: fc.constantFrom(...VALUES) }), { minLength: 1, maxLength: 2 }) }),
  );
  const branch = fc.array(condition, { minLength: 1, maxLength: 4 }).map((value): Node => ({ operator: 'and', value }));
  const rule = fc.array(branch, { minLength: 1, maxLength: 8 }).map((value): Node => ({ operator: 'or', value }));
  const row = fc.record(Object.fromEntries(FIELDS.map((f) => [f, fc.constantFrom(...VALUES)])) as Record<string, fc.Arbitrary<string>>);

  it('selects exactly the rows the rule does, for any rule of ands and ors', () => {
    fc.assert(fc.property(rule, fc.array(row, { minLength: 1, maxLength: 30 }), (r, rows) => {
      const merged = mergeAlikeBranches(r);
      for (const x of rows) expect(holds(merged, x)).toBe(holds(r, x));
    }), { numRuns: 2000 });
  });

  it("makes a party's grants, alike but for their folders, one branch with every folder", () => {
    const grant = (folders: string[]): Node => ({ operator: 'and', value: [{ operator: 'eq', field: 'roomId', value: 'R1' }, { operator: 'in', field: 'folderId', value: folders }, { operator: 'eq', field: 'kind', value: 'document' }] });
    const merged = mergeAlikeBranches({ operator: 'or', value: Array.from({ length: 20 }, (_, i) => grant([`F${i}a`, `F${i}b`])) });
    expect((merged.value as Node[]).length).toBe(1);
    const folders = ((merged.value as Node[])[0]!.value as Node[]).find((c) => c.field === 'folderId')!;
    expect(folders).toMatchObject({ operator: 'in' });
    expect((folders.value as string[]).length).toBe(40);
    // Branches that differ in more than one condition stay apart.
    const apart = mergeAlikeBranches({ operator: 'or', value: [grant(['F1']), { operator: 'and', value: [{ operator: 'eq', field: 'roomId', value: 'R2' }, { operator: 'in', field: 'folderId', value: ['F2'] }, { operator: 'eq', field: 'kind', value: 'dataset' }] }] });
    expect((apart.value as Node[]).length).toBe(2);
  });
});
