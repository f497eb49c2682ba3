import { z } from 'zod';
import { name } from '../http/validate.js';
import { PagingSchema } from '../http/paging.js';

export const ORG_KINDS = ['seller', 'acquirer', 'advisor'] as const;

export const CreateOrgSchema = z.strictObject({ name, kind: z.enum(ORG_KINDS) });
export type CreateOrgInput = z.infer<typeof CreateOrgSchema>;

/** An organisation's kind decides who may belong to it and which parties it may join: it is not edited. */
export const UpdateOrgSchema = z.strictObject({ name });
export type UpdateOrgInput = z.infer<typeof UpdateOrgSchema>;

export const ListOrgsQuerySchema = PagingSchema.extend({ q: z.string().trim().max(200).optional(), kind: z.enum(ORG_KINDS).optional() });
export type ListOrgsQuery = z.infer<typeof ListOrgsQuerySchema>;
