import { z } from 'zod';
import { id, name } from '../http/validate.js';

export const CreatePartySchema = z.strictObject({
  name,
  acquirerOrgId: id,
  advisorOrgIds: z.array(id).max(100).default([]),
});
export type CreatePartyInput = z.infer<typeof CreatePartySchema>;

export const AddMemberSchema = z.strictObject({ userId: id, cleanTeam: z.boolean().default(false) });
export type AddMemberInput = z.infer<typeof AddMemberSchema>;

export const InviteMemberSchema = z.strictObject({ email: z.email().max(320), name, orgId: id, cleanTeam: z.boolean().default(false) });
export type InviteMemberInput = z.infer<typeof InviteMemberSchema>;
