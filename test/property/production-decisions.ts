import type { Db } from '../../server/db.js';
import { loadAccess } from '../../server/policy/load-access.js';
import { asSubject } from '../../server/policy/ability.js';
import { accessibleBy } from '../../server/policy/accessible-by.js';
import { referenceAllows } from './access-reference.js';
import { LEVELS, type Level, type World } from './world-model.js';
import { requestContext } from './world-store.js';

/** `user|document|level` for every allowed combination. */
export type Decisions = Set<string>;
const key = (userId: string, documentId: string, level: Level) => `${userId}|${documentId}|${level}`;

export function referenceDecisions(world: World, at: string = world.at): Decisions {
  const out: Decisions = new Set();
  for (const user of world.users) {
    for (const doc of world.documents) {
      for (const level of LEVELS) if (referenceAllows(world, user, doc, level, at)) out.add(key(user.id, doc.id, level));
    }
  }
  return out;
}

/**
 * What production decides for every user, document and level of the stored world at `at`, both
 * ways: `ability.can` on each document row, and membership of the SQL-filtered list.
 */
export async function productionDecisions(db: Db, world: World, at: string = world.at): Promise<{ can: Decisions; sql: Decisions }> {
  const roomIds = world.rooms.map((r) => r.id);
  const rows: Array<Record<string, unknown> & { id: string }> = await db('documents').whereIn('roomId', roomIds).select();
  const can: Decisions = new Set();
  const sql: Decisions = new Set();
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
  }));
  return { can, sql };
}

/** The entries of `a` that `b` lacks, sorted (a readable counterexample). */
export const missingFrom = (a: Decisions, b: Decisions) => [...a].filter((x) => !b.has(x)).sort();
