import sharp from 'sharp';
import { INFO_DOWNLOAD_ID_KEY, TRAILER_ID_PREFIX, isDownloadId, normalizeDownloadId } from './stamp-fields.js';
import { DOWNLOAD_ID_CHAR, DOWNLOAD_ID_LENGTH } from './download-id.js';

/*
 * Tracing a leaked copy: every place a stamp may have left the download id is searched, and every
 * plausible id is returned, best first. The caller looks each up in the download ledger, so a false
 * candidate costs one query while a missed one loses the trace; hence the generous reading.
 */

/** Pages whose text is searched; a stamp is on every page, so a sample suffices for huge files. */
const MAX_TEXT_PAGES = 24;
/** Ids found without the "Download" anchor are weak evidence; do not let garbage flood the list. */
const MAX_LOOSE_CANDIDATES = 20;

// Upper case only: with lower case, "Download the report now" would read as an id.
// Any capital after the anchor: a misread I, L, O or U is normalized to the alphabet afterwards.
const ANCHORED_RE = new RegExp(`Download(?:\\s*[Ii][Dd])?[\\s:#·="']*((?:[0-9A-Z]\\s?){${DOWNLOAD_ID_LENGTH}})(?![0-9A-Za-z])`, 'g');
const LOOSE_RE = new RegExp(`(?<![0-9A-Za-z])${DOWNLOAD_ID_CHAR}{${DOWNLOAD_ID_LENGTH}}(?![0-9A-Za-z])`, 'g');

/** Weights of the evidence; an id's score is the sum over where it was seen. */
const WEIGHT = {
  textPage: 100,
  info: 60,
  trailerId: 40,
  rawBytes: 30,
  loose: 1,
} as const;

/** Where an id was seen, in words a trace answer can show. */
const EVIDENCE: Record<keyof typeof WEIGHT, string> = {
  textPage: 'the stamp in the page text',
  info: 'the document information',
  trailerId: 'the file identifier',
  rawBytes: "the file's bytes (the stamp's dictionary, document information or file identifier)",
  loose: 'an unanchored id in the page text',
};

export interface StampEvidence {
  id: string;
  seenIn: string[];
}

class Candidates {
  private readonly scores = new Map<string, number>();
  private readonly seen = new Map<string, Set<string>>();

  add(id: string | undefined, kind: keyof typeof WEIGHT): void {
    if (!id) return;
    this.scores.set(id, (this.scores.get(id) ?? 0) + WEIGHT[kind]);
    if (!this.seen.has(id)) this.seen.set(id, new Set());
    this.seen.get(id)!.add(EVIDENCE[kind]);
  }

  /** Best first; among equals, the first seen (Map keeps insertion order, sort is stable). */
  ranked(): StampEvidence[] {
    return [...this.scores.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => ({ id, seenIn: [...this.seen.get(id)!] }));
  }
}

/** Ids written next to the word "Download", as every stamp line that carries one does. */
export function anchoredIds(text: string): string[] {
  const ids: string[] = [];
  for (const m of text.matchAll(ANCHORED_RE)) {
    const id = normalizeDownloadId(m[1].replace(/\s/g, ''));
    if (id) ids.push(id);
  }
  return ids;
}

/**
 * Bare 12-character Crockford runs. A digit is required: otherwise any 12-letter capitalised word
 * avoiding I, L, O and U ("STRENGTHENED") would qualify, while an id without a digit is rare (~1%).
 */
function looseIds(text: string): string[] {
  return [...text.matchAll(LOOSE_RE)].map((m) => m[0]).filter((id) => /\d/.test(id) && /[A-Z]/.test(id));
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** The id as the stampers write it into /ID (16 bytes, "GHDL" + id) or into a plain string. */
function idInBytes(bytes: string): string | undefined {
  const m = new RegExp(`(?:^|${TRAILER_ID_PREFIX})(${DOWNLOAD_ID_CHAR}{${DOWNLOAD_ID_LENGTH}})$`).exec(bytes);
  return m && isDownloadId(m[1]) ? m[1] : undefined;
}

const hexToLatin1 = (hex: string) => Buffer.from(hex.replace(/[^0-9A-Fa-f]/g, ''), 'hex').toString('latin1');

/**
 * Scans the file's bytes for what the stamper writes outside compressed streams: the /Info key
 * (when not in an object stream) and the trailer /ID. Works on copies no parser will open.
 */
function scanPdfBytes(pdf: Uint8Array, found: Candidates): void {
  const text = latin1(pdf);
  const infoRe = new RegExp(`/${INFO_DOWNLOAD_ID_KEY}\\s*(?:\\(([^)]*)\\)|<([0-9A-Fa-f\\s]*)>)`, 'g');
  for (const m of text.matchAll(infoRe)) {
    const value = m[1] ?? hexToLatin1(m[2] ?? '');
    found.add(idInBytes(value.trim()), 'rawBytes');
  }
  for (const m of text.matchAll(/\/ID\s*\[\s*<([0-9A-Fa-f\s]*)>\s*<([0-9A-Fa-f\s]*)>\s*\]/g)) {
    found.add(idInBytes(hexToLatin1(m[1])), 'rawBytes');
    found.add(idInBytes(hexToLatin1(m[2])), 'rawBytes');
  }
}

/** Which pages to read: the first ones, the last ones and an even spread in between. */
export function samplePages(count: number, max = MAX_TEXT_PAGES): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i + 1);
  const pages = new Set<number>();
  for (let i = 1; i <= max / 3; i++) pages.add(i);
  for (let i = count; pages.size < (2 * max) / 3; i--) pages.add(i);
  const rest = max - pages.size;
  for (let k = 1; k <= rest; k++) pages.add(Math.round((k * count) / (rest + 1)));
  return [...pages].sort((a, b) => a - b);
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsReady: Promise<PdfJs> | undefined;

/**
 * pdf.js runs in-process: importing its worker module up front lets it use the "fake worker" on
 * this thread instead of loading a worker file by URL, which fails under bundlers and test runners.
 */
export function loadPdfJs(): Promise<PdfJs> {
  pdfjsReady ??= (async () => {
    const g = globalThis as { pdfjsWorker?: unknown };
    if (!g.pdfjsWorker) {
      const workerModule = 'pdfjs-dist/legacy/build/pdf.worker.mjs';
      g.pdfjsWorker = await import(workerModule);
    }
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return pdfjsReady;
}

/** Untrusted input: no eval of font programs, no system or network access, no rendering set-up. */
export const PDFJS_OPTIONS = {
  isEvalSupported: false,
  useSystemFonts: false,
  disableFontFace: true,
  useWorkerFetch: false,
  isOffscreenCanvasSupported: false,
  stopAtErrors: false,
} as const;

async function readWithPdfJs(pdf: Uint8Array, found: Candidates): Promise<void> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({
    // pdf.js takes ownership of (detaches) the buffer it is given; the caller keeps theirs.
    data: new Uint8Array(pdf),
    ...PDFJS_OPTIONS,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    const doc = await task.promise;

    for (const n of samplePages(doc.numPages)) {
      let items: string[];
      try {
        const page = await doc.getPage(n);
        const content = await page.getTextContent();
        items = content.items.map((it) => ('str' in it ? it.str : ''));
        page.cleanup();
      } catch {
        continue;
      }
      // The stamp may come out as one item, split over several, or reordered among the page's
      // own text: try the items alone and joined both ways, and count each id once per page.
      const onPage = new Set<string>();
      const loose = new Set<string>();
      for (const text of [...items, items.join(' '), items.join('')]) {
        for (const id of anchoredIds(text)) onPage.add(id);
      }
      for (const id of looseIds(items.join(' '))) loose.add(id);
      for (const id of onPage) found.add(id, 'textPage');
      let looseCount = 0;
      for (const id of loose) {
        if (!onPage.has(id) && looseCount++ < MAX_LOOSE_CANDIDATES) found.add(id, 'loose');
      }
    }

    try {
      const { info } = (await doc.getMetadata()) as unknown as { info: Record<string, unknown> };
      const custom = info.Custom as Record<string, unknown> | undefined;
      const value = custom?.[INFO_DOWNLOAD_ID_KEY];
      if (typeof value === 'string') found.add(idInBytes(value.trim()), 'info');
      if (typeof info.Keywords === 'string') for (const id of anchoredIds(info.Keywords)) found.add(id, 'info');
    } catch {
      // A broken /Info does not invalidate what the pages said.
    }

    for (const fp of doc.fingerprints) {
      if (fp) found.add(idInBytes(hexToLatin1(fp)), 'trailerId');
    }
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

/**
 * Download ids a PDF carries: in the page text (the visible stamp), the /Info dictionary and the
 * trailer /ID. Survives re-saving, removed pages and appended bytes as far as the content does.
 * Never throws: an unreadable upload simply yields no candidates.
 */
export async function readDownloadIdsFromPdf(pdf: Uint8Array): Promise<string[]> {
  return (await readStampEvidenceFromPdf(pdf)).map((e) => e.id);
}

/** readDownloadIdsFromPdf with where each id was seen. */
export async function readStampEvidenceFromPdf(pdf: Uint8Array): Promise<StampEvidence[]> {
  const found = new Candidates();
  try {
    scanPdfBytes(pdf, found);
  } catch {
    // Only an absurd input could fail a regex scan; the parser may still do better.
  }
  try {
    await readWithPdfJs(pdf, found);
  } catch {
    // Not a PDF pdf.js can open: whatever the byte scan found is all there is.
  }
  return found.ranked();
}

/** Download ids in an image's metadata: EXIF ImageDescription, XMP, PNG text chunks. */
export async function readDownloadIdsFromImage(image: Uint8Array): Promise<string[]> {
  return (await readStampEvidenceFromImage(image)).map((e) => e.id);
}

/** readDownloadIdsFromImage with where each id was seen. */
export async function readStampEvidenceFromImage(image: Uint8Array): Promise<StampEvidence[]> {
  const found = new Candidates();
  try {
    const meta = await sharp(image, { failOn: 'none' }).metadata();
    const texts = [
      meta.exif ? latin1(meta.exif) : '',
      meta.xmpAsString ?? (meta.xmp ? meta.xmp.toString('utf8') : ''),
      ...(meta.comments ?? []).map((c) => `${c.keyword} ${c.text}`),
    ];
    for (const t of texts) for (const id of anchoredIds(t)) found.add(id, 'info');
  } catch {
    // Not an image sharp reads; the byte scan below may still find uncompressed metadata.
  }
  try {
    for (const id of anchoredIds(latin1(image))) found.add(id, 'rawBytes');
  } catch {
    // As above: never throw on an upload.
  }
  return found.ranked();
}
