import type { Knex } from 'knex';
import type { ServiceContext } from '../service-context.js';
import { accessibleBy } from '../policy/accessible-by.js';

/** Who reads: the database and the caller's ability, whose rules filter every read here in SQL. */
type Reader = Pick<ServiceContext, 'db' | 'ability'>;

export interface OrgRow {
  id: string;
  name: string;
  kind: 'seller' | 'acquirer' | 'advisor';
  createdAt: string;
}

/**
 * The organisations the caller may see: admins all; seller staff the seller group's, those of the
 * parties of the rooms they staff, and those in no party yet.
 */
export const visibleOrgs = (ctx: Reader): Knex.QueryBuilder => ctx.db('orgs').where(accessibleBy(ctx.ability, 'read', 'Org'));
