import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import type { CreateOrgInput } from './schema.js';
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
 * The organisations the caller may see: admins all; seller staff the seller group's, those of the
 * parties of the rooms they staff, and those in no party yet (the candidates for a new party).
 */
export async function listOrgs(ctx: ServiceContext): Promise<OrgRow[]> {
  assertAllowed(ctx, 'read', 'Directory', null, { event: 'org.list', reason: 'seller staff only' });
  return visibleOrgs(ctx);
}
