import type { AuditEventRow } from './ledger.js';

export const presentAuditEvent = (e: AuditEventRow) => ({
  seq: Number(e.seq),
  at: e.at,
  actorId: e.actorId,
  action: e.action,
  decision: e.decision,
  subjectType: e.subjectType,
  subjectId: e.subjectId,
  details: JSON.parse(e.details) as unknown,
  hash: e.hash,
});

export const AUDIT_CSV_COLUMNS = ['seq', 'at', 'actorId', 'action', 'decision', 'subjectType', 'subjectId', 'details', 'hash'] as const;
