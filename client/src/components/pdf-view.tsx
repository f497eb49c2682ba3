import { useEffect, useRef, useState } from 'react';
import { GlobalWorkerOptions, PDFDataRangeTransport, getDocument, type PDFDocumentProxy } from 'pdfjs-dist';
// The worker is served as a file of our own origin: the CSP allows 'self' workers and no blob: scripts.
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

/** Pages are drawn as they scroll into view: a 2,000-page data room PDF must open at once. */
function PdfPage({ pdf, number, width }: { pdf: PDFDocumentProxy; number: number; width: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [visible, setVisible] = useState(number <= 2);
  useEffect(() => {
    const el = canvas.current;
    if (!el || visible) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setVisible(true), { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [visible]);
  useEffect(() => {
    if (!visible) return;
    let cancelled = false;
    let task: { cancel(): void; promise: Promise<void> } | null = null;
    void pdf.getPage(number).then((page) => {
      if (cancelled || !canvas.current) return;
      const base = page.getViewport({ scale: 1 });
      const scale = width / base.width;
      const ratio = window.devicePixelRatio || 1;
      const viewport = page.getViewport({ scale: scale * ratio });
      const el = canvas.current;
      el.width = Math.floor(viewport.width);
      el.height = Math.floor(viewport.height);
      task = page.render({ canvasContext: el.getContext('2d')!, viewport });
      task.promise.catch(() => undefined);
    });
    return () => {
      cancelled = true;
      task?.cancel();
    };
  }, [pdf, number, visible, width]);
  return <canvas ref={canvas} className="pdf-page" aria-label={`Page ${number} of ${pdf.numPages}`} role="img" />;
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

export default function PdfView({ source, title }: { source: PdfSource; title: string }) {
  const [pdf, setPdf] = useState<PDFDocumentProxy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);

  useEffect(() => {
    const task = openPdf(source);
    task.promise.then(setPdf, () => setError('This PDF could not be displayed. Download it to open it in a PDF reader.'));
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

  return (
    <div className="pdf-view" ref={box} aria-label={`${title}, stamped PDF`} role="document">
      {error && <p className="alert alert-error" role="alert">{error}</p>}
      {!pdf && !error && (
        <div className="panel-message" role="status"><span className="spinner" aria-hidden="true" /> Opening the document…</div>
      )}
      {pdf && (
        <>
          <p className="pdf-meta">{pdf.numPages} {pdf.numPages === 1 ? 'page' : 'pages'}</p>
          {Array.from({ length: pdf.numPages }, (_, i) => <PdfPage key={i} pdf={pdf} number={i + 1} width={width} />)}
        </>
      )}
    </div>
  );
}
