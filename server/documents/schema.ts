import { z } from 'zod';
import { id } from '../http/validate.js';
import { CLASSIFICATIONS, PERSONAL_DATA } from '../ranks.js';
import { DOWNLOAD_ID_PATTERN } from '../watermark/download-id.js';

export const CreateDocumentFieldsSchema = z.strictObject({
  folderId: id,
  entityId: id,
  title: z.string().trim().min(1).max(500).optional(),
  classification: z.enum(CLASSIFICATIONS),
  personalData: z.enum(PERSONAL_DATA),
});
export type CreateDocumentFields = z.infer<typeof CreateDocumentFieldsSchema>;

export const DOCUMENT_STATUSES = ['draft', 'published', 'withdrawn'] as const;

/** Moves (folderId, position), renames, reorders and reclassifies; omitted fields stay as they are. */
export const UpdateDocumentSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(500).optional(),
    folderId: id.optional(),
    /** 1-based place among the folder's documents (the deal team's numbering); last when moved without one. */
    position: z.number().int().min(1).max(1_000_000).optional(),
    classification: z.enum(CLASSIFICATIONS).optional(),
    personalData: z.enum(PERSONAL_DATA).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'nothing to change: give title, folderId, position, classification or personalData' });
export type UpdateDocumentInput = z.infer<typeof UpdateDocumentSchema>;

export const WithdrawDocumentSchema = z.strictObject({
  /** Kept for the record: why the deal team took the document back. */
  reason: z.string().trim().min(1).max(2000),
});

/** A new version carries only its file: every other attribute of a document stays as it was. */
export const NewVersionFieldsSchema = z.strictObject({});

export const ListDocumentsQuerySchema = z.strictObject({
  folderId: id.optional(),
  /** The deal team filters by stage; outsiders only ever have published documents. */
  status: z.enum(DOCUMENT_STATUSES).optional(),
  q: z.string().trim().max(200).optional(),
  limit: z.string().optional(),
  cursor: z.string().optional(),
});

export const ContentQuerySchema = z.strictObject({
  disposition: z.enum(['inline', 'attachment']).default('attachment'),
  /** Continues a download already started (the X-Download-Id of its first response): byte ranges of one stamped copy. */
  download: z.string().regex(DOWNLOAD_ID_PATTERN, 'a download id from X-Download-Id').optional(),
  /** A dataset's delivery format (the uploaded one by default) and, for CSV, its sheet. */
  format: z.enum(['csv', 'xlsx']).optional(),
  sheet: z.string().min(1).max(200).optional(),
});
