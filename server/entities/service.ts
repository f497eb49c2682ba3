import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import { invalidRequest } from '../errors.js';
import type { CreateEntityInput } from './schema.js';

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

export async function listEntities(ctx: ServiceContext): Promise<EntityRow[]> {
  assertAllowed(ctx, 'read', 'Directory', null, { event: 'entity.list', reason: 'seller staff only' });
  return ctx.db('entities').orderBy('name').select();
}
