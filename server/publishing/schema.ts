import { z } from 'zod';
import { id } from '../http/validate.js';

/** At most this many documents are named in one request; a folder publishes any number. */
const MAX_NAMED = 10_000;

/** What to publish: named documents, a folder's subtree, both (their union), or neither (every draft of the room). */
export const PublishSchema = z.strictObject({
  documentIds: z.array(id).max(MAX_NAMED).optional(),
  folderId: id.optional(),
});
export type PublishSelection = z.infer<typeof PublishSchema>;

/** The same selection in a query string: `documentIds=a,b` (comma-separated) and `folderId`. */
export const PublishPreviewQuerySchema = z
  .strictObject({
    documentIds: z.string().max(MAX_NAMED * 65).optional(),
    folderId: id.optional(),
  })
  .transform((q, ctx): PublishSelection => {
    const ids = q.documentIds === undefined ? undefined : q.documentIds.split(',').map((s) => s.trim()).filter(Boolean);
    const parsed = z.array(id).max(MAX_NAMED).safeParse(ids);
    if (ids !== undefined && !parsed.success) {
      ctx.addIssue({ code: 'custom', path: ['documentIds'], message: `comma-separated document ids, at most ${MAX_NAMED}` });
      return z.NEVER;
    }
    return { documentIds: ids, folderId: q.folderId };
  });
