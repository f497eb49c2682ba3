import { useEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { ApiError } from '../../api.js';
import { useRowPages } from './use-row-pages.js';
import type { ColumnTreatment } from './dataset-api.js';

/** Every row is this tall, so a row's place is its index times this and the grid needs no measuring. */
export const ROW_HEIGHT = 32;
const HEADER_HEIGHT = 36;
/** Rows drawn beyond each edge of the viewport, so a short scroll shows no blank line. */
const OVERSCAN = 10;

/**
 * Column widths from the header and the first rows (in characters, within bounds): fixed once the
 * first page is in, so columns do not jump while the sheet scrolls. Longer values are cut with an
 * ellipsis and shown whole on hover.
 */
function templateOf(columns: string[], sample: string[][]): string {
  const widths = columns.map((name, c) => {
    let longest = name.length * 1.3; // the header is in spaced capitals
    for (const row of sample) longest = Math.max(longest, (row[c] ?? '').length * 1.1); // capitals are wider than a `ch`
    return `${Math.ceil(Math.min(32, Math.max(6, longest) + 3))}ch`; // + the cell's padding
  });
  return `4.5rem ${widths.join(' ')}`;
}

export interface GridSummary {
  columns: string[];
  total: number;
  /** The first rows that arrived: what the copy looks like. */
  sample: string[][];
  /** What was done to each column, when the server says. */
  treatments: Record<string, ColumnTreatment> | null;
}

/**
 * A sheet of the caller's copy of a dataset, virtualised: only the rows in view (and a few around
 * them) are in the DOM, each absolutely placed at index × ROW_HEIGHT inside a box as tall as the
 * whole sheet, so the scrollbar is the sheet's. Pages of rows come from /rows as the view moves
 * (use-row-pages.ts). Sizes and places are set through the style properties (CSSOM), which the
 * CSP's style-src 'self' allows, unlike style attributes in markup.
 */
export function DatasetGrid({ documentId, sheet, label, summary, onSheets }: {
  documentId: string;
  sheet: string | undefined;
  label: string;
  summary?: (s: GridSummary) => ReactNode;
  /** Told the sheets of the caller's copy once the first page answers (a bidder has no other way to learn them). */
  onSheets?: (names: string[]) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const frame = useRef(0);
  const [view, setView] = useState({ top: 0, height: 600 });

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setView({ top: el.scrollTop, height: el.clientHeight }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      cancelAnimationFrame(frame.current);
    };
  }, []);

  // One update per animation frame, however many scroll events the browser fires in it.
  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = scroller.current;
      if (el) setView({ top: el.scrollTop, height: el.clientHeight });
    });
  };

  const bodyTop = Math.max(0, view.top - HEADER_HEIGHT);
  const first = Math.max(0, Math.floor(bodyTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.floor((bodyTop + view.height) / ROW_HEIGHT) + OVERSCAN;
  const pages = useRowPages(documentId, sheet, first, last);
  const { columns, total } = pages;
  useEffect(() => {
    if (pages.sheets) onSheets?.(pages.sheets);
  }, [pages.sheets, onSheets]);
  const ready = columns !== null && total !== null;

  const visible: number[] = [];
  if (ready) for (let i = first; i <= Math.min(last, total - 1); i++) visible.push(i);
  const box = {
    '--dataset-template': columns ? templateOf(columns, pages.sample ?? []) : 'none',
    '--dataset-row-height': `${ROW_HEIGHT}px`,
    '--dataset-header-height': `${HEADER_HEIGHT}px`,
    height: `${HEADER_HEIGHT + (total ?? 0) * ROW_HEIGHT}px`,
  } as CSSProperties;

  return (
    <div className="dataset-grid-frame">
      {ready && summary?.({ columns, total, sample: pages.sample ?? [], treatments: pages.treatments })}
      {pages.error && (
        <div className="alert alert-error dataset-grid-error" role="alert">
          <span>{pages.error instanceof ApiError ? pages.error.message : 'Rows of this dataset could not be loaded.'}</span>
          <button type="button" className="button button-secondary button-small" onClick={pages.retry}>Try again</button>
        </div>
      )}
      <div
        ref={scroller}
        className="dataset-grid-scroll"
        role="grid"
        aria-label={label}
        aria-rowcount={ready ? total + 1 : -1}
        aria-colcount={ready ? columns.length + 1 : undefined}
        aria-busy={pages.busy || undefined}
        tabIndex={0}
        onScroll={onScroll}
      >
        <div className="dataset-grid-box" style={box}>
          {ready ? (
            <div role="row" aria-rowindex={1} className="dataset-grid-row dataset-grid-head">
              <div role="columnheader" className="dataset-grid-cell dataset-grid-number">Row</div>
              {columns.map((c, i) => (
                <div key={i} role="columnheader" className="dataset-grid-cell" title={c}>{c}</div>
              ))}
            </div>
          ) : (
            !pages.error && (
              <div className="panel-message" role="status">
                <span className="spinner" aria-hidden="true" /> Loading rows…
              </div>
            )
          )}
          {ready && total === 0 && <p className="empty-inline dataset-grid-empty">This copy holds no rows of this sheet.</p>}
          {visible.map((i) => {
            const row = pages.rowAt(i);
            return (
              <div key={i} role="row" aria-rowindex={i + 2} aria-busy={row ? undefined : true} className={row ? 'dataset-grid-row' : 'dataset-grid-row dataset-grid-pending'} style={{ top: `${HEADER_HEIGHT + i * ROW_HEIGHT}px` }}>
                <div role="rowheader" className="dataset-grid-cell dataset-grid-number">{i + 1}</div>
                {columns!.map((_, c) => {
                  const value = row?.[c] ?? '';
                  return (
                    <div key={c} role="gridcell" className="dataset-grid-cell" title={value.length > 24 ? value : undefined}>{value}</div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
