import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import { notFound } from '../errors.js';
import { fetchPage, type Page } from '../http/paging.js';
import { likePattern } from '../documents/repository.js';
import type { CreateOrgInput, ListOrgsQuery, UpdateOrgInput } from './schema.js';
import { visibleOrgs, type OrgRow } from './repository.js';

export async function createOrg(ctx: ServiceContext, input: CreateOrgInput): Promise<OrgRow> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'org.create', reason: 'admins only' });
  const org: OrgRow = { id: randomUUID(), name: input.name, kind: input.kind, createdAt: ctx.at };
  await ctx.db.transaction(async (trx) => {
    await trx('orgs').insert(org);
    await recordAllowed(trx, ctx, { action: 'org.create', subjectType: 'Org', subjectId: org.id, details: { name: org.name, kind: org.kind } });
  });
  return org;
}

/**
 * The organisations the caller may see (admins all; seller staff the seller group's, those of the
 * parties of the rooms they staff, and those in no party yet: the candidates for a new party), by
 * name, searched and filtered by kind.
 */
export async function listOrgs(ctx: ServiceContext, query: ListOrgsQuery): Promise<Page<OrgRow>> {
  assertAllowed(ctx, 'read', 'Directory', null, { event: 'org.list', reason: 'seller staff only' });
  const q = visibleOrgs(ctx).select('orgs.*');
  if (query.q) q.whereRaw('lower(orgs.name) like ? escape ?', [likePattern(query.q), '\\']);
  if (query.kind) q.where('orgs.kind', query.kind);
  return fetchPage<OrgRow>(q, query, { column: 'name', field: 'name', table: 'orgs' });
}

export async function renameOrg(ctx: ServiceContext, orgId: string, input: UpdateOrgInput): Promise<OrgRow> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'org.update', subjectId: orgId, reason: 'admins only' });
  const org: OrgRow | undefined = await ctx.db('orgs').where({ id: orgId }).first();
  if (!org) throw notFound();
  await ctx.db.transaction(async (trx) => {
    await trx('orgs').where({ id: orgId }).update({ name: input.name });
    await recordAllowed(trx, ctx, { action: 'org.update', subjectType: 'Org', subjectId: orgId, details: { from: org.name, to: input.name } });
  });
  return { ...org, name: input.name };
}
