import type { TraceResult } from './service.js';

export const presentTrace = ({ match, download: d }: TraceResult) => ({
  downloadId: d.id,
  documentId: d.documentId,
  versionId: d.versionId,
  user: { id: d.userId, email: d.userEmail, name: d.userName },
  org: { id: d.orgId, name: d.orgName },
  at: d.at,
  ip: d.ip,
  match,
});
