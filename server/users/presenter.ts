import type { UserRow } from './repository.js';
import type { UserStatus } from './schema.js';

export const statusOf = (u: Pick<UserRow, 'status' | 'disabledAt'>): UserStatus => (u.disabledAt ? 'disabled' : u.status);

export const presentUser = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  orgId: u.orgId,
  role: u.role,
  status: statusOf(u),
  mfaEnabled: Boolean(u.mfaEnabled),
  ...(u.disabledAt ? { disabled: true } : {}),
});
