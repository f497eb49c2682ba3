import type { RequestHandler } from 'express';
import { invalidRequest, notFound } from '../errors.js';

const MAX_DEPTH = 32;

/**
 * Input no schema should have to think about, refused before any route sees it:
 * - a NUL character in any JSON string, object key or query value (PostgreSQL cannot store one and
 *   C-string consumers truncate at it, so a name could differ between the check and the use);
 * - JSON nested deeper than any request of the API (32 levels): recursion bombs for validators;
 * - a path whose percent-encoding is broken or decodes to NUL: no route has such an id, so 404.
 * The walk is iterative: a hostile document cannot exhaust the stack of the check itself.
 */
export const rejectHostileInput: RequestHandler = (req, _res, next) => {
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    return next(notFound());
  }
  if (path.includes('\u0000')) return next(notFound());

  const problem = findProblem(req.body, 'body') ?? findProblem(req.query, 'query');
  if (problem) return next(invalidRequest(`Invalid input at ${problem.field}.`, { [problem.field]: problem.message }));
  next();
};

function findProblem(root: unknown, rootName: string): { field: string; message: string } | null {
  if (root === undefined || root === null) return null;
  const stack: Array<{ value: unknown; path: string[]; depth: number }> = [{ value: root, path: [], depth: 0 }];
  const name = (path: string[]) => (path.length ? path.join('.') : rootName);
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field: name(path), message: 'contains a NUL character' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH) return { field: name(path), message: `nested deeper than ${MAX_DEPTH} levels` };
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\u0000')) return { field: name(path) || rootName, message: 'a field name contains a NUL character' };
      stack.push({ value: child, path: [...path, key.slice(0, 100)], depth: depth + 1 });
    }
  }
  return null;
}
