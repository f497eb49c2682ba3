import type { TraceResult, TracedDownload } from './service.js';

const recipient = (d: TracedDownload) => ({
  downloadId: d.id,
  kind: d.kind,
  user: { id: d.userId, email: d.userEmail, name: d.userName },
  org: { id: d.orgId, name: d.orgName },
  at: d.at,
  ip: d.ip,
});

/**
 * One delivery named (`exact`, `watermark`), or an unstamped copy with every recipient who held
 * those bytes — and always the deal team, who hold the stored files — never one of them alone.
 */
export function presentTrace(result: TraceResult) {
  if (result.match === 'unstamped') {
    return {
      downloadId: null,
      documentId: result.copyOf.documentId,
      versionId: result.copyOf.versionId,
      user: null,
      org: null,
      at: null,
      ip: null,
      match: result.match,
      evidence: result.evidence,
      copyOf: result.copyOf.what,
      recipients: result.recipients.map(recipient),
      heldByDealTeam: true,
    };
  }
  const { downloadId, kind: _kind, ...who } = recipient(result.download);
  return { downloadId, documentId: result.download.documentId, versionId: result.download.versionId, ...who, match: result.match, evidence: result.evidence };
}
