import { useEffect, useRef, useState } from 'react';
import { GlobalWorkerOptions, getDocument, type PDFDocumentProxy } from 'pdfjs-dist';
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

export function PdfView({ data, title }: { data: ArrayBuffer; title: string }) {
  const [pdf, setPdf] = useState<PDFDocumentProxy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);

  useEffect(() => {
    // isEvalSupported: false — the CSP forbids eval, and pdf.js falls back to interpreting fonts.
    const task = getDocument({ data: new Uint8Array(data.slice(0)), isEvalSupported: false, enableXfa: false });
    task.promise.then(setPdf, () => setError('This PDF could not be displayed. Download it to open it in a PDF reader.'));
    return () => void task.destroy();
  }, [data]);

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
