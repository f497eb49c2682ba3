import { z } from 'zod';
import { id, isoTime } from '../http/validate.js';

/**
 * `GET /api/rooms/:roomId/engagement`. `by=day` is beside the contract's four: one row per UTC day
 * with activity, which the deal team's timeline of a party is drawn from.
 */
export const EngagementQuerySchema = z
  .strictObject({
    by: z.enum(['party', 'folder', 'document', 'user', 'day']).default('party'),
    partyId: id.optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'must be after from' });
export type EngagementQuery = z.infer<typeof EngagementQuerySchema>;

/** Longest a single report may say was spent on one page: a viewer reports at least every few seconds. */
export const MAX_REPORT_SECONDS = 900;
/** Most page reports one request may carry. */
export const MAX_REPORTS_PER_REQUEST = 100;

/** One page: `{page, seconds}`. */
export const PageReportSchema = z.strictObject({
  page: z.number().int().min(1).max(1_000_000),
  seconds: z.number().int().min(0).max(MAX_REPORT_SECONDS),
});

/** A batch of pages `[{page, seconds}, …]` sent together (a viewer flushing what it saw, or leaving). */
export const PageReportBatchSchema = z.array(PageReportSchema).min(1).max(MAX_REPORTS_PER_REQUEST);
export type PageReport = z.infer<typeof PageReportSchema>;
