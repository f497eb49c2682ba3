import { request } from '../../api.js';

/**
 * Engagement (docs/API.md, "Engagement"): what each party looked at against what it may see,
 * counted by the server from its deliveries and the pages viewers report. The deal team and
 * counsel read it; anyone else gets the 404 of a missing room.
 */
export type EngagementGrouping = 'party' | 'folder' | 'document' | 'user' | 'day';

export interface EngagementItem {
  /** The party's, folder's, document's or user's id; by=day the UTC day (YYYY-MM-DD). */
  key: string;
  label: string;
  /** Documents the party may view now (by=document: 1 or 0; by=user: the member's own). */
  visible: number;
  views: number;
  downloads: number;
  users: number;
  /** Distinct documents viewed or downloaded: "looked at `documents` of `visible`". */
  documents: number;
  pagesViewed: number;
  seconds: number;
  lastAt: string | null;
  /** by=user: the member's party. */
  partyId?: string;
  /** by=document: the document's folder. */
  folderId?: string;
}

export interface EngagementQuery {
  by: EngagementGrouping;
  partyId?: string;
  /** ISO 8601 instants, [from, to). */
  from?: string;
  to?: string;
}

const base = (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}/engagement`;

function search(query: EngagementQuery, format?: 'csv'): string {
  const params = new URLSearchParams({ by: query.by });
  if (query.partyId) params.set('partyId', query.partyId);
  if (query.from) params.set('from', query.from);
  if (query.to) params.set('to', query.to);
  if (format) params.set('format', format);
  return params.toString();
}

/** The server's bounds on page reports (server/engagement/schema.ts and service.ts). */
export const PAGE_REPORT_LIMITS = {
  /** Most seconds one report may carry for a page. */
  secondsPerReport: 900,
  /** Most pages one request may carry. */
  pagesPerRequest: 100,
  /** Most seconds a page counts in one view. */
  secondsPerPageInView: 1800,
} as const;

export interface PageSeconds {
  page: number;
  seconds: number;
}

export const engagementApi = {
  figures: (roomId: string, query: EngagementQuery, signal?: AbortSignal) => request<{ items: EngagementItem[] }>('GET', `${base(roomId)}?${search(query)}`, { signal }),
  csvUrl: (roomId: string, query: EngagementQuery) => `${base(roomId)}?${search(query, 'csv')}`,
  /**
   * The pages a viewer read in its own view, and the seconds on each. keepalive: the last report
   * leaves as the reader leaves the page. quiet401: a report is never a reason to interrupt them.
   */
  reportPages: (documentId: string, downloadId: string, pages: PageSeconds[]) =>
    request<void>('POST', `/api/documents/${encodeURIComponent(documentId)}/views/${encodeURIComponent(downloadId)}/pages`, { body: pages, keepalive: true, quiet401: true, cachedCsrfOnly: true }),
};
