import type { UserRow } from './repository.js';

export const presentUser = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  orgId: u.orgId,
  role: u.role,
  ...(u.disabledAt ? { disabled: true } : {}),
});
