import { z } from 'zod';
import { name } from '../http/validate.js';

export const CreateOrgSchema = z.strictObject({ name, kind: z.enum(['seller', 'acquirer', 'advisor']) });
export type CreateOrgInput = z.infer<typeof CreateOrgSchema>;
