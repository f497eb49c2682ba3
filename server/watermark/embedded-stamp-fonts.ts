import { PDFDocument, type PDFFont } from 'pdf-lib';
import fontkit from '@pdf-lib/fontkit';
import type { StampFont } from './fonts.js';
import type { PickedRun } from './stamp-font-picker.js';

/*
 * Subsetting an installed font into a delivery costs tens of milliseconds (fontkit parses the font,
 * lays out the text, writes and deflates the subset): more than the rest of a 2,000-page tail. The
 * text a font shows depends on the person, the organisation and the room only (FontPicker keeps the
 * time and the id in Helvetica), and the tail's numbers start where the version's index says; so
 * the embedded objects are the same bytes for every delivery of that person's stamp on that
 * version's index, and are made once.
 */

export interface EmbeddedStampFonts {
  /** Each installed font used, embedded as a subset holding exactly the glyphs of its runs. */
  fonts: Map<StampFont, PDFFont>;
  /** The objects of those fonts: [object number, bytes of the object's body]. */
  objects: Array<[number, Buffer]>;
  /** The highest object number they take (firstNum - 1 when no font is embedded). */
  lastNum: number;
}

/** Distinct stamps kept: a person on a document is one; a few hundred busy readers fit. */
const MAX_ENTRIES = 512;
const cache = new Map<string, Promise<EmbeddedStampFonts>>();

/** Parsed fonts, shared by every embedding: fontkit's parse and its tables are the slow part. */
const parsed = new WeakMap<Uint8Array, ReturnType<typeof fontkit.create>>();
const sharedFontkit: typeof fontkit = {
  ...fontkit,
  create(bytes: Uint8Array, postscriptName?: string) {
    if (postscriptName) return fontkit.create(bytes as Buffer, postscriptName);
    let font = parsed.get(bytes);
    if (!font) parsed.set(bytes, (font = fontkit.create(bytes as Buffer)));
    return font;
  },
};

/** A number per font object: two fonts of one path (a test's own) never share an entry. */
const fontIds = new WeakMap<StampFont, number>();
let lastFontId = 0;
const idOf = (font: StampFont) => {
  let id = fontIds.get(font);
  if (id === undefined) fontIds.set(font, (id = ++lastFontId));
  return id;
};

/**
 * The installed fonts `runs` show, embedded with numbers from `firstNum` on. Callers encode only
 * the runs' own texts with the fonts returned: the subsets hold those glyphs and no others.
 */
export function embedStampFonts(firstNum: number, runs: PickedRun[]): Promise<EmbeddedStampFonts> {
  const texts = new Map<StampFont, string[]>();
  for (const r of runs) {
    if (r.face === 'helvetica') continue;
    const list = texts.get(r.face) ?? [];
    if (!list.includes(r.text)) list.push(r.text);
    texts.set(r.face, list);
  }
  if (texts.size === 0) return Promise.resolve({ fonts: new Map(), objects: [], lastNum: firstNum - 1 });

  const key = `${firstNum}\n${[...texts].map(([font, list]) => `${idOf(font)}\u0000${list.join('\u0001')}`).join('\n')}`;
  let entry = cache.get(key);
  if (entry) {
    // Most recently used last: the first key is the one to drop.
    cache.delete(key);
  } else {
    entry = embed(firstNum, texts);
    entry.catch(() => cache.delete(key));
  }
  cache.set(key, entry);
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return entry;
}

async function embed(firstNum: number, texts: Map<StampFont, string[]>): Promise<EmbeddedStampFonts> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(sharedFontkit);
  doc.context.largestObjectNumber = firstNum - 1;
  const fonts = new Map<StampFont, PDFFont>();
  for (const [font, list] of texts) {
    // Subset: a full CJK font would add megabytes to every download.
    const pdfFont = await doc.embedFont(font.bytes, { subset: true });
    // The subset holds the glyphs the text was encoded with, numbered in that order: encoding
    // the same texts later gives the same codes.
    for (const text of list) pdfFont.encodeText(text);
    await pdfFont.embed();
    fonts.set(font, pdfFont);
  }
  const objects: Array<[number, Buffer]> = [];
  for (const [ref, obj] of doc.context.enumerateIndirectObjects()) {
    if (ref.objectNumber < firstNum) continue;
    const bytes = new Uint8Array(obj.sizeInBytes());
    obj.copyBytesInto(bytes, 0);
    objects.push([ref.objectNumber, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
  }
  return { fonts, objects, lastNum: doc.context.largestObjectNumber };
}
