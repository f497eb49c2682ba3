/**
 * The words of a stored document, page by page, for the full-text index (docs/http-api.md, "Search").
 * Extraction runs in the background after upload: nothing here touches the database or HTTP; the
 * caller hands in a file on disk and gets text back, or a TextExtractionError saying why not.
 */

/** Where a page's text came from: its text layer, OCR of its rendering, or nowhere (blank, failed, over the cap). */
export type PageTextSource = 'text' | 'ocr' | 'none';

export interface PageText {
  /** 1-based, as a viewer numbers pages (for a dataset: see dataset-text.ts). */
  page: number;
  /** NFC, without control characters, whitespace collapsed to single spaces: what the index stores. */
  text: string;
  source: PageTextSource;
}

/** Short codes of why one page has no text; the `reason` beside it is for people. */
export type PageFailureCode = 'timed_out' | 'out_of_memory' | 'unreadable_page' | 'too_much_text' | 'ocr_unavailable' | 'ocr_failed';

export interface PageFailure {
  page: number;
  code: PageFailureCode;
  /** A sentence a deal team member can read ("Page 7 took longer than the 60 s allowed to read it."). */
  reason: string;
}

export interface DocumentText {
  pages: PageText[];
  /** Pages whose text came from OCR. */
  ocrPages: number;
  /** Pages left without text because reading them failed; every other page was read. */
  failures: PageFailure[];
  /** Text was left out because the document passed its cap (maxDocumentBytes, or a page its maxPageBytes). */
  truncated: boolean;
}

/** Why a whole document yields no text. */
export type TextExtractionCode =
  /** The document's time budget ran out. */
  | 'too_long'
  /** The caller's signal aborted it (the job was cancelled, the server is stopping). */
  | 'aborted'
  /** Not a PDF poppler can open: damaged beyond repair, or it needs a password. */
  | 'unreadable'
  /** poppler's tools are not installed. */
  | 'tools_missing'
  /** An Office document LibreOffice could not turn into a PDF. */
  | 'not_converted'
  /** A dataset that does not read as a table (any more). */
  | 'not_a_dataset';

/**
 * A document that yields no text at all. `reason` is the sentence to record with `textStatus:
 * failed` and show to the deal team; `code` is for the program.
 */
export class TextExtractionError extends Error {
  constructor(
    readonly code: TextExtractionCode,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'TextExtractionError';
  }
}

export interface TextExtractionOptions {
  /** Tesseract languages, in its names: default eng, nld, deu, fra (those not installed are skipped). */
  languages?: readonly string[];
  /** OCR pages without usable text: default true. */
  ocr?: boolean;
  /** Rendering resolution for OCR: 300 dpi reads 9-point type (lowered for huge pages, see ocr-page.ts). */
  dpi?: number;
  /** One page's OCR, rendering and recognition together: default 60 s. Past it the page is a failure and the rest go on. */
  ocrPageTimeoutMs?: number;
  /** One page's text layer: default 5 s, plus TEXT_LAYER_MS_PER_PAGE for each page read in the same run. */
  textLayerPageTimeoutMs?: number;
  /** The whole document: default 10 min. Past it extraction stops with TextExtractionError 'too_long'. */
  documentTimeoutMs?: number;
  /** Address space of each child process: default 1 GiB. */
  memoryBytes?: number;
  /** UTF-8 bytes kept per page: default 100,000 (a dense page of 9-point type is ~6,000). */
  maxPageBytes?: number;
  /** UTF-8 bytes kept per document: default 16 MiB; later pages keep none (and are not OCR'd). */
  maxDocumentBytes?: number;
  signal?: AbortSignal;
  /** Where the extraction's work folder is made (and removed): default the system's temporary folder. */
  tempDir?: string;
}

export const DEFAULT_OCR_LANGUAGES: readonly string[] = Object.freeze(['eng', 'nld', 'deu', 'fra']);

export const DEFAULT_TEXT_EXTRACTION: Readonly<Required<Omit<TextExtractionOptions, 'signal' | 'tempDir'>>> = Object.freeze({
  languages: DEFAULT_OCR_LANGUAGES,
  ocr: true,
  dpi: 300,
  ocrPageTimeoutMs: 60_000,
  textLayerPageTimeoutMs: 5_000,
  documentTimeoutMs: 10 * 60_000,
  memoryBytes: 1024 * 1024 * 1024,
  maxPageBytes: 100_000,
  maxDocumentBytes: 16 * 1024 * 1024,
});
