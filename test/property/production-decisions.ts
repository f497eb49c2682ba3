import { parseSearchQuery } from '../../server/search/search-query.js';
import { searchPages } from '../../server/search/text-index.js';
import { SEARCHED_WORDS } from './world-store.js';
import type { Db } from '../../server/db.js';
import { loadAccess } from '../../server/policy/load-access.js';
import { asSubject, type SubjectType } from '../../server/policy/ability.js';
import { accessibleBy } from '../../server/policy/accessible-by.js';
import { referenceAllows, referenceReadsQuestion, referenceSeesFolder, referenceSeesOrg, referenceSeesUser } from './access-reference.js';
import { LEVELS, type Level, type World } from './world-model.js';
import { requestContext } from './world-store.js';

/**
 * Every allowed combination, as `user|document|level` for documents and `user|folder:id|read`,
 * `user|org:id|read`, `user|user:id|read` for what else the rule lets a user see.
 */
export type Decisions = Set<string>;
const key = (userId: string, documentId: string, level: Level) => `${userId}|${documentId}|${level}`;
const readKey = (userId: string, kind: 'folder' | 'org' | 'user' | 'question', id: string) => `${userId}|${kind}:${id}|read`;

export function referenceDecisions(world: World, at: string = world.at): Decisions {
  const out: Decisions = new Set();
  for (const user of world.users) {
    for (const doc of world.documents) {
      for (const level of LEVELS) if (referenceAllows(world, user, doc, level, at)) out.add(key(user.id, doc.id, level));
    }
    for (const folder of world.folders) if (referenceSeesFolder(world, user, folder, at)) out.add(readKey(user.id, 'folder', folder.id));
    for (const org of world.orgs) if (referenceSeesOrg(world, user, org)) out.add(readKey(user.id, 'org', org.id));
    for (const other of world.users) if (referenceSeesUser(world, user, other)) out.add(readKey(user.id, 'user', other.id));
    for (const question of world.questions ?? []) if (referenceReadsQuestion(world, user, question, at)) out.add(readKey(user.id, 'question', question.id));
  }
  return out;
}

/** The `read` subjects besides documents: their table, and which of its rows belong to the world. */
const READ_SUBJECTS: Array<{ kind: 'folder' | 'org' | 'user' | 'question'; type: SubjectType; table: string; rows: (w: World) => { column: string; ids: string[] } }> = [
  { kind: 'folder', type: 'Folder', table: 'folders', rows: (w) => ({ column: 'roomId', ids: w.rooms.map((r) => r.id) }) },
  { kind: 'org', type: 'Org', table: 'orgs', rows: (w) => ({ column: 'id', ids: w.orgs.map((o) => o.id) }) },
  { kind: 'user', type: 'User', table: 'users', rows: (w) => ({ column: 'id', ids: w.users.map((u) => u.id) }) },
  { kind: 'question', type: 'Question', table: 'questions', rows: (w) => ({ column: 'roomId', ids: w.rooms.map((r) => r.id) }) },
];

/**
 * What production decides for every user, document and level (and folder, organisation and user it
 * may read) of the stored world at `at`, both ways: `ability.can` on each row, and membership of
 * the SQL-filtered list.
 */
export async function productionDecisions(db: Db, world: World, at: string = world.at): Promise<{ can: Decisions; sql: Decisions; searched: Decisions }> {
  const roomIds = world.rooms.map((r) => r.id);
  const rows: Array<Record<string, unknown> & { id: string }> = await db('documents').whereIn('roomId', roomIds).select();
  const readRows = await Promise.all(READ_SUBJECTS.map(async (s) => {
    const { column, ids } = s.rows(world);
    return (await db(s.table).whereIn(column, ids).select()) as Array<Record<string, unknown> & { id: string }>;
  }));
  const can: Decisions = new Set();
  const sql: Decisions = new Set();
  // The documents each user finds by the words on every page (world-store.ts), as `view` decisions.
  const searched: Decisions = new Set();
  const terms = parseSearchQuery(SEARCHED_WORDS);
  // Users in parallel: PostgreSQL answers them on several connections (SQLite simply queues them).
  await Promise.all(world.users.map(async (user) => {
    // Each user as their own request: its address (IP allow-lists) and second factor (rooms requiring MFA).
    const { actor, client } = requestContext(world, user);
    const { ability } = await loadAccess(db, actor, at, client);
    for (const row of rows) {
      for (const level of LEVELS) if (ability.can(level, asSubject('Document', row))) can.add(key(user.id, row.id, level));
    }
    for (const level of LEVELS) {
      const listed: Array<{ id: string }> = await db('documents')
        .where(accessibleBy(ability, level, 'Document', 'documents'))
        .whereIn('documents.roomId', roomIds)
        .select('documents.id');
      for (const { id } of listed) sql.add(key(user.id, id, level));
    }
    for (const [i, s] of READ_SUBJECTS.entries()) {
      for (const row of readRows[i]) if (ability.can('read', asSubject(s.type, row))) can.add(readKey(user.id, s.kind, row.id));
      const { column, ids } = s.rows(world);
      const listed: Array<{ id: string }> = await db(s.table)
        .where(accessibleBy(ability, 'read', s.type, s.table))
        .whereIn(`${s.table}.${column}`, ids)
        .select(`${s.table}.id`);
      for (const { id } of listed) sql.add(readKey(user.id, s.kind, id));
    }
    for (const room of world.rooms) {
      // Both ways to the window on PostgreSQL (text-index.ts searchPostgres), from the words' index and
      // from the caller's documents first: each must find the same pages, in the same order.
      const [fromWords, documentsFirst] = await Promise.all(
        [Number.MAX_SAFE_INTEGER, 0].map((documentsFirstFrom) => searchPages(db, ability, room.id, terms, { limit: 100_000, offset: 0, rankedPages: 1_000_000, documentsFirstFrom })),
      );
      const pages = (r: typeof fromWords) => r.hits.map((h) => `${h.documentId}:${h.page}`).join(' ');
      if (pages(fromWords) !== pages(documentsFirst)) throw new Error(`the two ways to a search disagree for ${user.id} in ${room.id}: ${pages(fromWords)} / ${pages(documentsFirst)}`);
      for (const hit of fromWords.hits) searched.add(key(user.id, hit.documentId, 'view'));
    }
  }));
  return { can, sql, searched };
}

/** The entries of `a` that `b` lacks, sorted (a readable counterexample). */
export const missingFrom = (a: Decisions, b: Decisions) => [...a].filter((x) => !b.has(x)).sort();
