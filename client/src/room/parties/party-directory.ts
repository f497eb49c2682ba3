import { api, type Org, type Party, type StaffMember, type User, type UserStatus } from '../../api.js';

/** The room's parties and deal team, with the organisations and people they are made of. */
export interface Directory {
  parties: Party[];
  staff: StaffMember[];
  orgs: Map<string, Org>;
  /** `status` says who has not accepted their invitation yet (servers before invitations leave it out). */
  users: Array<User & { status?: UserStatus }>;
}

export async function loadDirectory(roomId: string): Promise<Directory> {
  const [parties, staff, orgs, users] = await Promise.all([api.parties(roomId), api.staff(roomId), api.orgs(), api.users()]);
  return { parties: parties.items, staff: staff.items, orgs: new Map(orgs.items.map((o) => [o.id, o])), users: users.items };
}
