import { ApiError } from '../../api.js';
import { PAGE_REPORT_LIMITS, type PageSeconds } from './engagement-api.js';

/** After a 429, how long reports wait before the next try (what was read meanwhile is kept). */
const BACK_OFF_MS = 60_000;

/**
 * What one reader read in one view: which page was on screen, and for how long, counted only while
 * the reader could be reading it (the tab shown and the window focused). Reports go out in batches
 * of whole seconds; fractions wait for the next batch, so nothing is rounded up. A page holds at most
 * what the server counts of it in one view, so a reader who left the viewer open overnight sends
 * no hours it would throw away.
 *
 * Failing is silent: a refusal (4xx: the view is not the reader's any more, the document was taken
 * away, the report was wrong) ends the reporting of this view for good — sending it again would be
 * refused again; a 429 waits a minute; a network error or 5xx keeps the seconds for the next batch.
 */
export class PageReading {
  private page: number | null = null;
  /** When the time on the current page started counting; null: not counting now. */
  private since: number | null = null;
  /** Milliseconds read per page, not reported yet. */
  private readonly unsent = new Map<number, number>();
  /** Whole seconds reported per page in this view. */
  private readonly reported = new Map<number, number>();
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private waitUntil = 0;

  constructor(
    private readonly send: (pages: PageSeconds[]) => Promise<void>,
    /** Whether the reader can be reading now: the tab is shown and the window has the focus. */
    private readonly attentive: () => boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The page now on screen (null: none, e.g. the viewer scrolled away or closed). */
  show(page: number | null): void {
    if (page === this.page) return;
    this.settle();
    this.page = page;
    this.resume();
  }

  /** The tab was shown or hidden, the window focused or left: count from now, or stop counting. */
  attentionChanged(): void {
    this.settle();
    this.resume();
  }

  /** Sends what was read since the last report; resolves once it was answered (never rejects). */
  async flush(): Promise<void> {
    // One report at a time: a second waits for the first's answer (a refusal stops both).
    while (this.inFlight) await this.inFlight;
    if (this.stopped || this.now() < this.waitUntil) return;
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    const sending = this.sendBatch(batch);
    this.inFlight = sending;
    await sending;
    this.inFlight = null;
  }

  private async sendBatch(batch: PageSeconds[]): Promise<void> {
    try {
      await this.send(batch);
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      if (status >= 400 && status < 500 && status !== 429) {
        this.stop();
        return;
      }
      if (status === 429) this.waitUntil = this.now() + BACK_OFF_MS;
      this.giveBack(batch);
    }
  }

  /** Nothing more is counted or sent for this view. */
  stop(): void {
    this.stopped = true;
    this.since = null;
    this.unsent.clear();
  }

  private settle() {
    if (this.page !== null && this.since !== null) {
      this.unsent.set(this.page, (this.unsent.get(this.page) ?? 0) + Math.max(0, this.now() - this.since));
    }
    this.since = null;
  }

  private resume() {
    if (!this.stopped && this.page !== null && this.attentive()) this.since = this.now();
  }

  /** Whole seconds per page, within the server's bounds; what is taken leaves `unsent`. */
  private takeBatch(): PageSeconds[] {
    // The page on screen is counted up to now, and goes on counting.
    this.settle();
    this.resume();
    const batch: PageSeconds[] = [];
    for (const [page, ms] of this.unsent) {
      if (batch.length === PAGE_REPORT_LIMITS.pagesPerRequest) break;
      const left = PAGE_REPORT_LIMITS.secondsPerPageInView - (this.reported.get(page) ?? 0);
      if (left <= 0) {
        this.unsent.delete(page);
        continue;
      }
      const seconds = Math.min(Math.floor(ms / 1000), PAGE_REPORT_LIMITS.secondsPerReport, left);
      if (seconds < 1) continue;
      batch.push({ page, seconds });
      this.unsent.set(page, ms - seconds * 1000);
      this.reported.set(page, (this.reported.get(page) ?? 0) + seconds);
    }
    return batch;
  }

  private giveBack(batch: PageSeconds[]) {
    for (const { page, seconds } of batch) {
      this.unsent.set(page, (this.unsent.get(page) ?? 0) + seconds * 1000);
      this.reported.set(page, (this.reported.get(page) ?? 0) - seconds);
    }
  }
}
