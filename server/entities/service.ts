import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { isPostgres } from '../db.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import { invalidRequest, notFound } from '../errors.js';
import { fetchPage, type Page } from '../http/paging.js';
import { likePattern } from '../documents/repository.js';
import type { CreateEntityInput, ListEntitiesQuery, UpdateEntityInput } from './schema.js';

export interface EntityRow {
  id: string;
  name: string;
  parentId: string | null;
  createdAt: string;
}

export async function createEntity(ctx: ServiceContext, input: CreateEntityInput): Promise<EntityRow> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'entity.create', reason: 'admins only' });
  if (input.parentId && !(await ctx.db('entities').where({ id: input.parentId }).first('id'))) {
    throw invalidRequest('Unknown parent entity.', { parentId: 'no such entity' });
  }
  const entity: EntityRow = { id: randomUUID(), name: input.name, parentId: input.parentId ?? null, createdAt: ctx.at };
  await ctx.db.transaction(async (trx) => {
    await trx('entities').insert(entity);
    await recordAllowed(trx, ctx, { action: 'entity.create', subjectType: 'Entity', subjectId: entity.id, details: { name: entity.name } });
  });
  return entity;
}

/** The seller group's legal entities, by name, searched; a tree needs them all, so up to 1000 a page. */
export async function listEntities(ctx: ServiceContext, query: ListEntitiesQuery): Promise<Page<EntityRow>> {
  assertAllowed(ctx, 'read', 'Directory', null, { event: 'entity.list', reason: 'seller staff only' });
  const q = ctx.db('entities').select('entities.*');
  if (query.q) q.whereRaw('lower(entities.name) like ? escape ?', [likePattern(query.q), '\\']);
  return fetchPage<EntityRow>(q, query, { column: 'name', field: 'name', table: 'entities' });
}

/**
 * Renames an entity or moves it under another parent. NDAs name entities and rooms target them, so
 * what a move changes is only the tree as shown; a move under itself or its own subtree would make a
 * cycle and is refused.
 */
export async function updateEntity(ctx: ServiceContext, entityId: string, input: UpdateEntityInput): Promise<EntityRow> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'entity.update', subjectId: entityId, reason: 'admins only' });
  return ctx.db.transaction(async (trx) => {
    const entity: EntityRow | undefined = await trx('entities').where({ id: entityId }).first();
    if (!entity) throw notFound();
    if (input.parentId) {
      // Moves of the tree take turns: two moves checked side by side (X under Y, Y under X) would each
      // see no loop and together make one. SQLite's single writer already serialises them; on
      // PostgreSQL (read committed) a transaction-scoped advisory lock does.
      if (isPostgres(trx)) await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['gatehouse:entity-tree']);
      // Walk up from the new parent: meeting the entity itself means the move would close a loop.
      const parents = new Map<string, string | null>((await trx('entities').select('id', 'parentId')).map((e: EntityRow) => [e.id, e.parentId]));
      if (!parents.has(input.parentId)) throw invalidRequest('Unknown parent entity.', { parentId: 'no such entity' });
      for (let at: string | null | undefined = input.parentId; at; at = parents.get(at)) {
        if (at === entityId) throw invalidRequest('An entity cannot move under itself or one of its own subsidiaries.', { parentId: 'inside the entity being moved' });
      }
    }
    const changes = { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.parentId !== undefined ? { parentId: input.parentId } : {}) };
    await trx('entities').where({ id: entityId }).update(changes);
    await recordAllowed(trx, ctx, { action: 'entity.update', subjectType: 'Entity', subjectId: entityId, details: { from: { name: entity.name, parentId: entity.parentId }, to: changes } });
    return { ...entity, ...changes };
  });
}
