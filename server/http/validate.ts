import { z } from 'zod';
import { invalidRequest, notFound } from '../errors.js';

/** Parses input with a zod schema; failures are `400 invalid_request` whose details name each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // No prototype: a field named "__proto__" or "constructor" must be reported, not merged into Object.prototype.
  const details: Record<string, string> = Object.create(null);
  for (const issue of result.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k].join('.')) : [issue.path.join('.') || 'body'];
    for (const key of keys) details[key] ??= issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  }
  throw invalidRequest(`Invalid fields: ${Object.keys(details).join(', ')}.`, details);
}

/** Shared field shapes. Every string has a length cap; ids are opaque but bounded. */
export const id = z.string().min(1).max(64);
export const name = z.string().trim().min(1).max(200);
export const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());
/** Multipart form fields are strings: booleans arrive as "true"/"false", arrays as a JSON array string. */
export const formBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);
export const formIdArray = z.union([
  z.array(id),
  z.string().max(20_000).transform((s, ctx) => {
    try {
      const v = JSON.parse(s);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 64)) return v as string[];
    } catch {
      /* reported below */
    }
    ctx.addIssue({ code: 'custom', message: 'expected a JSON array of ids' });
    return z.NEVER;
  }),
]);

/** An id taken from the path: one that cannot exist is simply not found, like any other unknown id. */
export function pathId(value: unknown): string {
  const parsed = id.safeParse(value);
  if (!parsed.success) throw notFound();
  return parsed.data;
}
