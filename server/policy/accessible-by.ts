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

/**
 * The ability's rules for (action, subject type) as a knex WHERE on the subject's table (or on
 * `table`, its alias in a join): the list-side twin of `ability.can`, so a list and a single check
 * can never disagree. No rule → nothing matches.
 */
export function accessibleBy(ability: AppAbility, action: Action, subjectType: SubjectType, table: string = tableOf(subjectType)) {
  const ast = rulesToAST(ability, action, subjectType) as unknown as SqlCondition | null;
  return (qb: Knex.QueryBuilder) => {
    if (ast === null) return qb.whereRaw('1 = 0');
    const [sql, params] = interpret(ast, {
      ...sqlite, // `?` placeholders, which knex rewrites for PostgreSQL
      escapeField: (field: string) => `"${table}"."${columnName(field)}"`,
      paramPlaceholder: () => '?',
    });
    // An empty AND (rendered as "" or "()") is a rule without conditions: everything of that type.
    if (sql.replace(/[()\s]/g, '') === '') return qb;
    return qb.whereRaw(sql, params as Knex.RawBinding[]);
  };
}
