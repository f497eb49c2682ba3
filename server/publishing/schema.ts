import { z } from 'zod';
import { id } from '../http/validate.js';

/** At most this many documents are named in one request; a folder publishes any number. */
const MAX_NAMED = 10_000;

/**
 * What to publish: named documents, a folder's subtree, both (their union), or — only when said in
 * so many words, `all: true` — every draft of the room. An empty or missing selection is refused:
 * a client that sends nothing selected must never disclose the whole room.
 */
const selection = z.strictObject({
  documentIds: z.array(id).min(1).max(MAX_NAMED).optional(),
  folderId: id.optional(),
  all: z.literal(true).optional(),
});
const chosen = (s: z.infer<typeof selection>) => s.documentIds !== undefined || s.folderId !== undefined || s.all === true;
const NOTHING_CHOSEN = { message: 'give documentIds, folderId, or all: true for every draft of the room', path: ['documentIds'] };

export const PublishSchema = selection.refine(chosen, NOTHING_CHOSEN);
export type PublishSelection = z.infer<typeof selection>;

/** The same selection in a query string: `documentIds=a,b` (comma-separated), `folderId`, `all=true`. */
export const PublishPreviewQuerySchema = z
  .strictObject({
    documentIds: z.string().max(MAX_NAMED * 65).optional(),
    folderId: id.optional(),
    all: z.literal('true').optional(),
  })
  .transform((q, ctx): PublishSelection => {
    const ids = q.documentIds === undefined ? undefined : q.documentIds.split(',').map((s) => s.trim()).filter(Boolean);
    const parsed = z.array(id).min(1).max(MAX_NAMED).safeParse(ids);
    if (ids !== undefined && !parsed.success) {
      ctx.addIssue({ code: 'custom', path: ['documentIds'], message: `comma-separated document ids, 1 to ${MAX_NAMED}` });
      return z.NEVER;
    }
    const out: PublishSelection = { documentIds: ids, folderId: q.folderId, all: q.all === 'true' ? true : undefined };
    if (!chosen(out)) {
      ctx.addIssue({ code: 'custom', ...NOTHING_CHOSEN });
      return z.NEVER;
    }
    return out;
  });
