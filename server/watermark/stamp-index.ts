/*
 * A stamp-ready rendition of a PDF, made once at upload, in two parts:
 * - the page-less base (page-less-base.ts): every object the pages draw with, renumbered, stored;
 * - this index: what each delivery's tail needs, with the download-independent part of the tail
 *   (page dictionaries whose /Contents end with the stamp, a fresh page tree, the catalog) already
 *   written as PDF text. A delivery only adds, before that part, the stamp itself and its fonts, and
 *   after it /Info and a cross-reference section chained to the base's.
 * Order is the defence: in a delivery the stamp comes first, then the pages that draw it, then the
 * catalog that makes them pages. Cut anywhere, a prefix has no /Root or has every page stamped.
 */

/**
 * The rendition's format; a stored rendition of another is remade on its next delivery. 2: the
 * page-less base; 3: its plain objects packed into object streams.
 */
export const INDEX_FORMAT = 3;

export interface StampView {
  /** The page as displayed (after /Rotate), in points. */
  w: number;
  h: number;
  /** Object number reserved for this size's stamp Form XObject. */
  num: number;
}

export interface PdfStampIndex {
  format: typeof INDEX_FORMAT;
  /** Bytes of the page-less base the tail is appended to. */
  size: number;
  /** The base's cross-reference table, which the tail's section names as /Prev. */
  prevStartxref: number;
  root: string;
  /** The original /Info entries (without /Keywords and /ModDate), in PDF syntax. */
  infoEntries: string;
  keywords: string | null;
  /** The first element of the trailer /ID, in hex. */
  idFirst: string;
  views: StampView[];
  /** The download-independent objects of the tail, in PDF syntax, starting with a line break. */
  fixed: string;
  /** [object number, generation, offset within `fixed`] of each object in `fixed`. */
  fixedObjects: Array<[number, number, number]>;
  /** The first object number free for a download's own objects. */
  nextNum: number;
  pages: number;
}
