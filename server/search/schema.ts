import { z } from 'zod';

/** The longest query taken: longer is a paste, refused by name rather than cut silently. */
export const MAX_QUERY_LENGTH = 500;

export const SearchQuerySchema = z.strictObject({
  q: z.string().trim().min(1, 'a word to search for').max(MAX_QUERY_LENGTH, `at most ${MAX_QUERY_LENGTH} characters`),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** From nextCursor: where the previous page ended. */
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'a cursor from nextCursor').optional(),
});
export type SearchQuery = z.infer<typeof SearchQuerySchema>;
