import { z } from 'zod';
import { id } from '../http/validate.js';

const columnName = z.string().min(1).max(1000);
const sheetName = z.string().min(1).max(200);
const ColumnRefSchema = z.strictObject({ sheet: sheetName.optional(), name: columnName });

export const ClassifyDatasetSchema = z.strictObject({
  columns: z.array(z.strictObject({ sheet: sheetName.optional(), name: columnName, role: z.enum(['none', 'direct', 'quasi']) })).max(20_000),
  subjectColumn: ColumnRefSchema.nullable().optional(),
  entityColumn: ColumnRefSchema.nullable().optional(),
  // Cell value → entity id; values as they stand in the file (a cell holds at most 32,767 characters).
  entityMap: z.record(z.string().max(32_767), id).optional(),
});
export type ClassifyDatasetInput = z.infer<typeof ClassifyDatasetSchema>;

export const DatasetContentQuerySchema = z.strictObject({
  disposition: z.enum(['inline', 'attachment']).default('attachment'),
  format: z.enum(['csv', 'xlsx']).optional(),
  /** The sheet a CSV carries (a CSV has one); the first when left out. */
  sheet: sheetName.optional(),
});

export const RowsQuerySchema = z.strictObject({
  sheet: sheetName.optional(),
  offset: z.coerce.number().int().min(0).max(100_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
