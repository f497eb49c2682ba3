import type { TraceResult, TracedDownload } from './service.js';

const recipient = (d: TracedDownload) => ({
  downloadId: d.id,
  kind: d.kind,
  user: { id: d.userId, email: d.userEmail, name: d.userName },
  org: { id: d.orgId, name: d.orgName },
  at: d.at,
  ip: d.ip,
});

const odds = (r: { confidence: number; falseMatchProbability: number; log10FalseMatchProbability: number }) => ({
  confidence: r.confidence,
  falseMatchProbability: r.falseMatchProbability,
  log10FalseMatchProbability: r.log10FalseMatchProbability,
});

/**
 * One delivery named (`exact`, `watermark`, `fingerprint` — a dataset by its rows' order, with the
 * odds of a false match and the rows it rests on), a party named by its pseudonyms (`party`, with
 * the party's deliveries as candidates: which of them leaked is not known), or an unstamped copy with every recipient who held
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
  if (result.match === 'party') {
    return {
      downloadId: null,
      documentId: result.documentId,
      versionId: result.versionId,
      user: null,
      org: null,
      at: null,
      ip: null,
      match: result.match,
      evidence: result.evidence,
      party: result.party,
      candidates: result.candidates.map(recipient),
      pseudonyms: result.pseudonyms,
      ...odds(result),
    };
  }
  const { downloadId, kind: _kind, ...who } = recipient(result.download);
  const named = { downloadId, documentId: result.download.documentId, versionId: result.download.versionId, ...who, match: result.match, evidence: result.evidence };
  return result.match === 'fingerprint' ? { ...named, ...odds(result), rows: result.rows } : named;
}
