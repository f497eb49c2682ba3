import { z } from 'zod';

/**
 * `?dryRun=` of a matrix import — true unless the caller says false: a request without it, by hand
 * or by a script that forgot, only shows what would happen.
 */
export const MatrixImportQuerySchema = z.strictObject({
  dryRun: z.enum(['true', 'false'], { error: 'true or false' }).default('true').transform((v) => v === 'true'),
});
