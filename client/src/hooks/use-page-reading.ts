import { useCallback, useEffect, useRef } from 'react';
import { prepareCsrf } from '../api.js';
import { engagementApi } from '../room/engagement/engagement-api.js';
import { PageReading } from '../room/engagement/page-reading.js';

/** How often what was read goes to the server while the reader stays on the view. */
const REPORT_EVERY_MS = 15_000;

const attentive = () => document.visibilityState === 'visible' && document.hasFocus();

/**
 * Reports the pages read in one view — the one this viewer opened, named by the download id its own
 * first request got back — to the deal team's engagement figures. Answers the function the viewer
 * calls with the page now on screen (null: none). Nothing is reported without a download id, or
 * when `enabled` is false (the deal team's own reading is no engagement and the server keeps none).
 * Reports go every 15 s, when the tab is hidden and when the viewer is left; the reader never sees one.
 */
export function usePageReading(documentId: string, downloadId: string | null, enabled: boolean): (page: number | null) => void {
  const reading = useRef<PageReading | null>(null);
  // The page shown before the view's id was known (or between two views): where counting starts.
  const shown = useRef<number | null>(null);

  useEffect(() => {
    if (!enabled || !downloadId) return;
    prepareCsrf();
    const r = new PageReading((pages) => engagementApi.reportPages(documentId, downloadId, pages), attentive);
    reading.current = r;
    r.show(shown.current);
    const onVisibility = () => {
      r.attentionChanged();
      if (document.visibilityState === 'hidden') void r.flush();
    };
    const onAttention = () => r.attentionChanged();
    const onLeave = () => void r.flush();
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('focus', onAttention);
    window.addEventListener('blur', onAttention);
    window.addEventListener('pagehide', onLeave);
    const timer = window.setInterval(() => void r.flush(), REPORT_EVERY_MS);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('focus', onAttention);
      window.removeEventListener('blur', onAttention);
      window.removeEventListener('pagehide', onLeave);
      // Leaving the viewer inside the app: what was read since the last report goes now.
      r.show(null);
      void r.flush().finally(() => r.stop());
      if (reading.current === r) reading.current = null;
    };
  }, [documentId, downloadId, enabled]);

  return useCallback((page: number | null) => {
    shown.current = page;
    reading.current?.show(page);
  }, []);
}
