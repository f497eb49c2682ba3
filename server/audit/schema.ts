import { z } from 'zod';
import { id, isoTime } from '../http/validate.js';

/** Filters of a room's audit trail; every one narrows, none widens. */
export const AuditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Events older than this seq (newest first); `cursor` is the same value as an opaque string. */
  before: z.coerce.number().int().min(1).optional(),
  cursor: z.string().regex(/^\d{1,18}$/, 'not a cursor this server issued').optional(),
  format: z.enum(['json', 'csv']).default('json'),
  actorId: id.optional(),
  action: z.string().trim().min(1).max(64).optional(),
  decision: z.enum(['allow', 'deny']).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  documentId: id.optional(),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;
export type AuditFilters = Pick<AuditQuery, 'actorId' | 'action' | 'decision' | 'from' | 'to' | 'documentId'>;
