import { rulesToAST } from '@casl/ability/extra';
import { allInterpreters, createSqlInterpreter, sqlite, type SqlOperator } from '@ucast/sql';
import type { Knex } from 'knex';
import { columnName } from '../db.js';
import type { Action, AppAbility, SubjectType } from './ability.js';

/**
 * @ucast/sql's operators, with the gaps that would widen or break a filter closed:
 * `$in: []` is false rather than invalid SQL, `$nin: []` is true, `= null` is `IS NULL`.
 */
// (@ucast/sql carries its own copy of @ucast/core's types, hence the loose operator signatures.)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const guardedInterpreters: Record<string, SqlOperator<any>> = {
  ...allInterpreters,
  in: (c, q, ctx) => (c.value.length === 0 ? q.whereRaw('1 = 0') : allInterpreters.in(c, q, ctx)),
  nin: (c, q, ctx) => (c.value.length === 0 ? q.whereRaw('1 = 1') : allInterpreters.nin(c, q, ctx)),
  eq: (c, q, ctx) => (c.value === null ? q.whereRaw(`${q.field(c.field)} IS NULL`) : allInterpreters.eq(c, q, ctx)),
  ne: (c, q, ctx) => (c.value === null ? q.whereRaw(`${q.field(c.field)} IS NOT NULL`) : allInterpreters.ne(c, q, ctx)),
  // An inverted rule (`cannot`) is `NOT (…)`. On a NULL column its condition is unknown in SQL, and
  // NOT unknown is unknown: the row would drop out of the list although `ability.can` allows it
  // (e.g. four eyes, `cannot approve { answeredBy: me }`, on a question nobody answered yet). A
  // condition that is not true is false here, as it is in memory.
  not: (node, q, { interpret }) => {
    const inner = q.child({ linkParams: true });
    for (const condition of node.value as unknown[]) interpret(condition as never, inner);
    const sql = (inner as unknown as { _sql: string[] })._sql.join(' and ');
    return q.whereRaw(`not coalesce((${sql}), false)`);
  },
};
const interpret = createSqlInterpreter(guardedInterpreters);
type SqlCondition = Parameters<typeof interpret>[0];

/** The table each subject's rows live in: the conditions of its rules are columns of it. */
export const SUBJECT_TABLES = {
  Room: 'rooms',
  Document: 'documents',
  Folder: 'folders',
  Nda: 'ndas',
  Grant: 'grants',
  Party: 'parties',
  Org: 'orgs',
  User: 'users',
  Question: 'questions',
} as const satisfies Partial<Record<SubjectType, string>>;

const tableOf = (subjectType: SubjectType): string => {
  if (!(subjectType in SUBJECT_TABLES)) throw new TypeError(`${subjectType} has no table: its rules judge acts, not rows`);
  return SUBJECT_TABLES[subjectType as keyof typeof SUBJECT_TABLES];
};

/** A condition of the rules' AST as @ucast/core builds it: a field's (eq, in…) or a compound (and, or, not). */
type AstNode = { operator: string; field?: string; value: unknown };

/** A condition's text, the same for equal conditions whatever the order of a compound's parts. */
function canonical(node: AstNode): string {
  if (node.field !== undefined) return JSON.stringify([node.operator, node.field, node.value]);
  const parts = (node.value as AstNode[]).map(canonical);
  return JSON.stringify([node.operator, node.operator === 'and' || node.operator === 'or' ? parts.sort() : parts]);
}

/**
 * The same condition with the branches of each `or` that differ only in the values one field may take
 * made one branch: (A and folderId in S1) or (A and folderId in S2) is A and folderId in S1 ∪ S2. A
 * party's grants are one rule each, alike but for their folders: 20 grants gave 40 branches of 10
 * folders each, every one tried for every row a list or a search reads and the caller may not see;
 * merged, they are 2 branches of 200 folders, which SQLite and PostgreSQL look a value up in. Only
 * the SQL changes: the rows it selects are the same (test/property compares every list with a plain
 * reference of the rule), and `ability.can` reads the rules themselves.
 */
export function mergeAlikeBranches(node: AstNode): AstNode {
  if (node.field !== undefined) return node;
  const parts = (node.value as AstNode[]).map(mergeAlikeBranches);
  if (node.operator !== 'or') return { ...node, value: parts };
  const conditionsOf = (part: AstNode) => (part.field === undefined && part.operator === 'and' ? (part.value as AstNode[]) : [part]);
  const takesValues = (c: AstNode, field: string) => c.field === field && ((c.operator === 'in' && Array.isArray(c.value)) || (c.operator === 'eq' && c.value !== null && typeof c.value !== 'object'));
  /** The branches grouped by all their conditions but `field`'s; a branch without such a condition on `field` stands alone. */
  const groupsBy = (field: string) => {
    const groups = new Map<string, { rest: AstNode[]; values: unknown[]; parts: AstNode[] }>();
    parts.forEach((part, i) => {
      const conditions = conditionsOf(part);
      const at = conditions.findIndex((c) => takesValues(c, field));
      const rest = conditions.filter((_, j) => j !== at);
      const key = at < 0 ? `alone ${i}` : JSON.stringify(rest.map(canonical).sort());
      const group = groups.get(key) ?? { rest, values: [], parts: [] };
      if (at >= 0) {
        const c = conditions[at]!;
        for (const v of c.operator === 'in' ? (c.value as unknown[]) : [c.value]) if (!group.values.includes(v)) group.values.push(v);
      }
      group.parts.push(part);
      groups.set(key, group);
    });
    return [...groups.values()];
  };
  const fields = [...new Set(parts.flatMap((p) => conditionsOf(p).filter((c) => c.field !== undefined && takesValues(c, c.field)).map((c) => c.field!)))];
  let best: ReturnType<typeof groupsBy> | null = null;
  let bestField = '';
  for (const field of fields) {
    const groups = groupsBy(field);
    if (!best || groups.length < best.length) [best, bestField] = [groups, field];
  }
  if (!best || best.length === parts.length) return { ...node, value: parts };
  return {
    operator: 'or',
    value: best.map((g) => (g.parts.length === 1 ? g.parts[0]! : { operator: 'and', value: [...g.rest, { operator: 'in', field: bestField, value: g.values }] })),
  };
}

/**
 * The ability's rules for (action, subject type) as a knex WHERE on the subject's table (or on
 * `table`, its alias in a join): the list-side twin of `ability.can`, so a list and a single check
 * can never disagree. No rule → nothing matches.
 */
export function accessibleBy(ability: AppAbility, action: Action, subjectType: SubjectType, table: string = tableOf(subjectType)) {
  const filter = filterOf(ability, action, subjectType, table);
  return (qb: Knex.QueryBuilder) => {
    if (filter === 'none') return qb.whereRaw('1 = 0');
    if (filter === 'all') return qb;
    return qb.whereRaw(filter.sql, filter.params);
  };
}

type Filter = 'none' | 'all' | { sql: string; params: Knex.RawBinding[] };

/**
 * Each ability's filters, made once: an ability is built from the facts of one policy version and
 * never changed (load-access.ts keeps it for the requests that follow), and a party's rules make a
 * WHERE of hundreds of values, which every list and search of theirs would otherwise make again.
 */
const filters = new WeakMap<AppAbility, Map<string, Filter>>();

function filterOf(ability: AppAbility, action: Action, subjectType: SubjectType, table: string): Filter {
  let made = filters.get(ability);
  if (!made) filters.set(ability, (made = new Map()));
  const key = `${action}\0${subjectType}\0${table}`;
  const known = made.get(key);
  if (known) return known;
  const rules = rulesToAST(ability, action, subjectType) as unknown as AstNode | null;
  let filter: Filter = 'none';
  if (rules) {
    const [sql, params] = interpret(mergeAlikeBranches(rules) as unknown as SqlCondition, {
      ...sqlite, // `?` placeholders, which knex rewrites for PostgreSQL
      escapeField: (field: string) => `"${table}"."${columnName(field)}"`,
      paramPlaceholder: () => '?',
    });
    // An empty AND (rendered as "" or "()") is a rule without conditions: everything of that type.
    filter = sql.replace(/[()\s]/g, '') === '' ? 'all' : { sql, params: params as Knex.RawBinding[] };
  }
  made.set(key, filter);
  return filter;
}
