import type { Db } from '../db.js';
import type { AuditEventRow } from '../ledger/ledger.js';

/** An event as the trail shows it: with the address its commitment opens to, when still kept. */
export type AuditEventView = AuditEventRow & { ip?: string | null };

/**
 * The addresses of a page of events, from the side table. An event whose row was erased shows
 * `ip: null`; an event recorded before addresses left the chain has its address in its details.
 */
export async function withAddresses(db: Db, rows: AuditEventRow[]): Promise<AuditEventView[]> {
  const commitOf = (e: AuditEventRow) => {
    const m = /"ipCommit":"([0-9a-f]{64})"/.exec(e.details);
    return m?.[1];
  };
  const commits = [...new Set(rows.map(commitOf).filter((c): c is string => Boolean(c)))];
  const found: Array<{ commit: string; ip: string | null }> = commits.length ? await db('auditIps').whereIn('commit', commits).select('commit', 'ip') : [];
  const ips = new Map(found.map((r) => [r.commit, r.ip]));
  return rows.map((e) => {
    const commit = commitOf(e);
    return commit ? { ...e, ip: ips.get(commit) ?? null } : e;
  });
}
