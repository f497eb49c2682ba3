import { z } from 'zod';
import { id } from '../http/validate.js';

/** `GET /api/rooms/:roomId/access?userId=&documentId=` */
export const ExplainAccessQuerySchema = z.strictObject({ userId: id, documentId: id });
export type ExplainAccessQuery = z.infer<typeof ExplainAccessQuerySchema>;
