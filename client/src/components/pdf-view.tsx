import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { GlobalWorkerOptions, PDFDataRangeTransport, TextLayer, getDocument, type PDFDocumentProxy } from 'pdfjs-dist';
// The worker is served as a file of our own origin: the CSP allows 'self' workers and no blob: scripts.
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { quotedQuery, searchWords, wordRanges } from '../room/search/search-words.js';
import './pdf-view.css';

GlobalWorkerOptions.workerSrc = workerUrl;

/** What marking a search's words on one page came to: how many were marked in its text layer. */
export interface PageMarks {
  page: number;
  marked: number;
}

/**
 * Marks the words in the spans pdf.js laid over the page: each span's text split into text and
 * <mark> nodes (textContent only: a PDF's text is never parsed as markup). A word that pdf.js split
 * over two spans is not marked; the search itself found it.
 */
function markWords(spans: HTMLElement[], words: string[]): number {
  let marked = 0;
  for (const span of spans) {
    const text = span.textContent ?? '';
    const ranges = wordRanges(text, words);
    if (ranges.length === 0) continue;
    const parts: Array<Node | string> = [];
    let at = 0;
    for (const [start, end] of ranges) {
      if (start > at) parts.push(text.slice(at, start));
      const mark = document.createElement('mark');
      mark.className = 'pdf-hit';
      mark.textContent = text.slice(start, end);
      parts.push(mark);
      at = end;
    }
    if (at < text.length) parts.push(text.slice(at));
    span.replaceChildren(...parts);
    marked += ranges.length;
  }
  return marked;
}

interface PdfPageProps {
  pdf: PDFDocumentProxy;
  number: number;
  width: number;
  /** Height over width of the first page: the size a page takes before it is drawn. */
  ratio: number;
  /** Folded words to mark on the page (search-words.ts); none: no text layer at all. */
  words: string[];
  /** The page to open at: drawn first, scrolled to and focused. */
  target: boolean;
  onMarked?: (marks: PageMarks) => void;
}

/** Pages are drawn as they scroll into view: a 2,000-page data room PDF must open at once. */
function PdfPage({ pdf, number, width, ratio, words, target, onMarked }: PdfPageProps) {
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const textLayer = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(number <= 2 || target);
  // The page's own proportions once read: until then the first page's stand in.
  const [ownRatio, setOwnRatio] = useState<number | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || visible) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setVisible(true), { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [visible]);
  useEffect(() => {
    if (!target) return;
    box.current?.scrollIntoView({ block: 'start' });
    box.current?.focus({ preventScroll: true });
  }, [target]);
  const wordsKey = words.join(' ');
  useEffect(() => {
    if (!visible) return;
    let cancelled = false;
    let task: { cancel(): void; promise: Promise<void> } | null = null;
    let layer: TextLayer | null = null;
    void pdf.getPage(number).then(async (page) => {
      if (cancelled || !canvas.current) return;
      const base = page.getViewport({ scale: 1 });
      setOwnRatio(base.height / base.width);
      const scale = width / base.width;
      const ratioPx = window.devicePixelRatio || 1;
      const viewport = page.getViewport({ scale: scale * ratioPx });
      const el = canvas.current;
      el.width = Math.floor(viewport.width);
      el.height = Math.floor(viewport.height);
      task = page.render({ canvasContext: el.getContext('2d')!, viewport });
      task.promise.catch(() => undefined);
      const container = textLayer.current;
      if (!wordsKey || !container) return;
      // The text layer at CSS pixels: pdf.js sizes its spans by --scale-factor.
      container.replaceChildren();
      container.style.setProperty('--scale-factor', String(scale));
      layer = new TextLayer({ textContentSource: await page.getTextContent(), container, viewport: page.getViewport({ scale }) });
      if (cancelled) return;
      await layer.render();
      if (cancelled) return;
      onMarked?.({ page: number, marked: markWords(layer.textDivs, wordsKey.split(' ')) });
    }).catch(() => undefined);
    return () => {
      cancelled = true;
      task?.cancel();
      layer?.cancel();
    };
  }, [pdf, number, visible, width, wordsKey, onMarked]);
  return (
    <div
      ref={box}
      className="pdf-page-box"
      style={{ width: `${width}px`, aspectRatio: `1 / ${ownRatio ?? ratio}` }}
      tabIndex={target ? -1 : undefined}
      data-page={number}
    >
      <canvas ref={canvas} className="pdf-page" aria-label={`Page ${number} of ${pdf.numPages}`} role="img" />
      {words.length > 0 && <div ref={textLayer} className="pdf-text-layer" />}
    </div>
  );
}

/**
 * What to show: the whole file, or its first bytes plus a way to fetch any other range of the same
 * stamped copy — pdf.js then reads only what the pages on screen need (the cross-reference at the
 * end, those pages' objects), so a 50 MB PDF opens without waiting for all of it.
 */
export type PdfSource = { data: ArrayBuffer } | { initial: ArrayBuffer; size: number; fetchRange(start: number, end: number): Promise<ArrayBuffer> };

/**
 * Bytes pdf.js asks for at a time. The first bytes a caller passes should be a whole number of these
 * chunks: pdf.js counts only whole chunks as loaded and would fetch a partial one again.
 */
const RANGE_CHUNK = 64 * 1024;

function openPdf(source: PdfSource) {
  // isEvalSupported: false — the CSP forbids eval, and pdf.js falls back to interpreting fonts.
  const common = { isEvalSupported: false, enableXfa: false };
  if ('data' in source) return getDocument({ ...common, data: new Uint8Array(source.data.slice(0)) });
  const transport = new PDFDataRangeTransport(source.size, new Uint8Array(source.initial.slice(0)));
  transport.requestDataRange = (begin: number, end: number) => {
    source.fetchRange(begin, end).then(
      (bytes) => transport.onDataRange(begin, new Uint8Array(bytes)),
      // pdf.js then fails the page that needed it; the document stays open.
      () => transport.onDataRange(begin, new Uint8Array(0)),
    );
  };
  return getDocument({ ...common, range: transport, rangeChunkSize: RANGE_CHUNK, disableAutoFetch: true, disableStream: true });
}

/**
 * A stamped PDF, page after page. `page`: the page to open at (a search hit); `highlight`: the
 * words of a search, marked on every page drawn, ignoring case and accents as the search does.
 */
export default function PdfView({ source, title, page, highlight, onPageShown }: { source: PdfSource; title: string; page?: number; highlight?: string; onPageShown?: (page: number | null) => void }) {
  const [pdf, setPdf] = useState<{ doc: PDFDocumentProxy; ratio: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const words = useMemo(() => searchWords(highlight ?? ''), [highlight]);
  const [targetMarks, setTargetMarks] = useState<number | null>(null);

  useEffect(() => {
    const task = openPdf(source);
    task.promise
      .then(async (doc) => {
        const first = (await doc.getPage(1)).getViewport({ scale: 1 });
        setPdf({ doc, ratio: first.height / first.width });
      })
      .catch(() => setError('This PDF could not be displayed. Download it to open it in a PDF reader.'));
    return () => void task.destroy();
  }, [source]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const update = () => setWidth(Math.min(1000, Math.max(280, el.clientWidth - 32)));
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useShownPage(box, pdf?.doc ?? null, onPageShown);

  const target = pdf && page && page >= 1 && page <= pdf.doc.numPages ? page : null;
  const onMarked = useCallback((marks: PageMarks) => {
    if (marks.page === target) setTargetMarks(marks.marked);
  }, [target]);

  return (
    <div className="pdf-view" ref={box} aria-label={`${title}, stamped PDF`} role="document">
      {error && <p className="alert alert-error" role="alert">{error}</p>}
      {!pdf && !error && (
        <div className="panel-message" role="status"><span className="spinner" aria-hidden="true" /> Opening the document…</div>
      )}
      {pdf && (
        <>
          <p className="pdf-meta">{pdf.doc.numPages} {pdf.doc.numPages === 1 ? 'page' : 'pages'}</p>
          {target && words.length > 0 && <FindNote page={target} q={quotedQuery(highlight ?? '')} marked={targetMarks} />}
          {Array.from({ length: pdf.doc.numPages }, (_, i) => (
            <PdfPage key={i} pdf={pdf.doc} number={i + 1} width={width} ratio={pdf.ratio} words={words} target={i + 1 === target} onMarked={onMarked} />
          ))}
        </>
      )}
    </div>
  );
}

/**
 * Tells which page is on screen: of the pages in view, the one that takes the most of the window's
 * height (null when none is). Read by the viewer's page reports (engagement).
 */
function useShownPage(box: RefObject<HTMLDivElement | null>, doc: PDFDocumentProxy | null, onPageShown?: (page: number | null) => void) {
  useEffect(() => {
    const el = box.current;
    if (!el || !doc || !onPageShown) return;
    const heights = new Map<number, number>();
    let shown: number | null = null;
    const io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) heights.set(Number((e.target as HTMLElement).dataset.page), e.isIntersecting ? e.intersectionRect.height : 0);
        let best: number | null = null;
        for (const [number, height] of heights) if (height > 0 && (best === null || height > heights.get(best)! || (height === heights.get(best) && number < best))) best = number;
        if (best !== shown) onPageShown((shown = best));
      },
      { threshold: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] },
    );
    el.querySelectorAll<HTMLElement>('[data-page]').forEach((page) => io.observe(page));
    return () => {
      io.disconnect();
      onPageShown(null);
    };
  }, [box, doc, onPageShown]);
}

/** Where the search's words are on the page opened at, or why they cannot be marked there. */
function FindNote({ page, q, marked }: { page: number; q: string; marked: number | null }) {
  return (
    <p className="pdf-find-note" role="status">
      {marked === null
        ? `Opening page ${page}…`
        : marked > 0
          ? <>Page {page}: “{q}” is marked {marked === 1 ? 'once' : `${marked} times`}.</>
          : <>Page {page}: “{q}” is not in the page’s text layer, so it cannot be marked. The page is most likely a scan: the search read its words by OCR.</>}
    </p>
  );
}
