import type { Knex } from 'knex';
import type { Db } from '../db.js';
import type { AppAbility } from '../policy/ability.js';
import { accessibleBy } from '../policy/accessible-by.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  orgId: string;
  role: 'admin' | 'staff' | 'external';
  passwordHash: string;
  mfaEnabled: boolean | number;
  disabledAt: string | null;
  createdAt: string;
  /** `invited` until the invitation is accepted; a disabled user is told by disabledAt. */
  status: 'invited' | 'active';
}

/** The people the caller may see, by email: admins all; seller staff the seller group and the parties of the rooms they staff. */
export const visibleUsers = (reader: { db: Db; ability: AppAbility }): Knex.QueryBuilder =>
  reader.db('users').where(accessibleBy(reader.ability, 'read', 'User'));

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export const findUserByEmail = (db: Db, email: string): Promise<UserRow | undefined> =>
  db('users').where({ email: normaliseEmail(email) }).first();

export const findActiveUserById = (db: Db, id: string): Promise<UserRow | undefined> =>
  db('users').where({ id }).whereNull('disabledAt').first();

export const findUserById = (db: Db, id: string): Promise<UserRow | undefined> => db('users').where({ id }).first();
