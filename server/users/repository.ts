import type { Db } from '../db.js';

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
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export const findUserByEmail = (db: Db, email: string): Promise<UserRow | undefined> =>
  db('users').where({ email: normaliseEmail(email) }).first();

export const findActiveUserById = (db: Db, id: string): Promise<UserRow | undefined> =>
  db('users').where({ id }).whereNull('disabledAt').first();

export const findUserById = (db: Db, id: string): Promise<UserRow | undefined> => db('users').where({ id }).first();
