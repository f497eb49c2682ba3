import { z } from 'zod';
import { PagingSchema } from '../http/paging.js';

export const ListMailQuerySchema = PagingSchema;

export const NOTIFY_CHOICES = ['off', 'immediate', 'daily'] as const;
export const NotificationSettingsSchema = z.strictObject({ notify: z.enum(NOTIFY_CHOICES) });
