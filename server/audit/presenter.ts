import type { AuditEventView } from './addresses.js';

export const presentAuditEvent = (e: AuditEventView) => ({
  seq: Number(e.seq),
  at: e.at,
  actorId: e.actorId,
  action: e.action,
  decision: e.decision,
  subjectType: e.subjectType,
  subjectId: e.subjectId,
  // The address beside the chain joins the details as it was recorded (null once erased).
  details: { ...(JSON.parse(e.details) as Record<string, unknown>), ...(e.ip !== undefined ? { ip: e.ip } : {}) },
  hash: e.hash,
});

export const AUDIT_CSV_COLUMNS = ['seq', 'at', 'actorId', 'action', 'decision', 'subjectType', 'subjectId', 'details', 'hash'] as const;
