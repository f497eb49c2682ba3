import { readFile } from 'node:fs/promises';
import fontkit from '@pdf-lib/fontkit';

/**
 * Fonts for stamp text that WinAnsi (pdf-lib's standard fonts) cannot encode. Nothing is bundled:
 * the stamp uses whichever of these the machine has, in order. Only single-font files (.ttf/.otf):
 * pdf-lib cannot pick a face out of a .ttc collection.
 */
export const STAMP_FONT_CANDIDATES: readonly string[] = [
  // Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic.
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/ttf-dejavu/DejaVuSans.ttf',
  // Chinese, Japanese, Korean.
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf',
  '/System/Library/Fonts/Supplemental/Arial Unicode.ttf',
  '/Library/Fonts/Arial Unicode.ttf',
];

export interface StampFont {
  path: string;
  bytes: Uint8Array;
  covers(codePoint: number): boolean;
  /** The glyph's advance width in ems (for a code point the font covers). */
  advance(codePoint: number): number;
}

let loaded: Promise<StampFont[]> | undefined;

/** Read once per process: the files are large and do not change while the server runs. */
export function stampFonts(): Promise<StampFont[]> {
  loaded ??= loadFonts(STAMP_FONT_CANDIDATES);
  return loaded;
}

async function loadFonts(paths: readonly string[]): Promise<StampFont[]> {
  const fonts: StampFont[] = [];
  for (const path of paths) {
    if (fonts.some((f) => sameFamilyFile(f.path, path))) continue;
    try {
      const bytes = new Uint8Array(await readFile(path));
      const face = fontkit.create(bytes);
      // A collection or a font fontkit half-understands would fail later, inside a delivery.
      if (typeof face.hasGlyphForCodePoint !== 'function') continue;
      const cache = new Map<number, boolean>();
      const advances = new Map<number, number>();
      fonts.push({
        path,
        bytes,
        covers(cp) {
          let hit = cache.get(cp);
          if (hit === undefined) {
            hit = face.hasGlyphForCodePoint(cp);
            cache.set(cp, hit);
          }
          return hit;
        },
        advance(cp) {
          let em = advances.get(cp);
          if (em === undefined) {
            em = face.glyphForCodePoint(cp).advanceWidth / face.unitsPerEm;
            advances.set(cp, em);
          }
          return em;
        },
      });
    } catch {
      // Absent or unreadable: the next candidate, or the standard font with substitutions.
    }
  }
  return fonts;
}

/** The same font installed under several distribution paths is only worth loading once. */
function sameFamilyFile(a: string, b: string): boolean {
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  return base(a) === base(b);
}

const SPECIAL_ASCII: Record<string, string> = {
  Ł: 'L', ł: 'l', Ø: 'O', ø: 'o', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŧ: 'T', ŧ: 't',
  ĸ: 'k', Ŋ: 'N', ŋ: 'n', Œ: 'OE', œ: 'oe', Æ: 'AE', æ: 'ae', ß: 'ss', Þ: 'Th', þ: 'th',
  Ð: 'D', ð: 'd', '‐': '-', '‑': '-', '–': '-', '—': '-', '‘': "'", '’': "'", '“': '"', '”': '"',
};

/**
 * The closest a font can show of a character it lacks: itself, without accents (Ł → L, é → e),
 * or '?' — never a dropped character, so the length and shape of a name stay recognisable.
 */
export function substitute(ch: string, covers: (cp: number) => boolean): string {
  if (covers(ch.codePointAt(0)!)) return ch;
  const candidates = [ch.normalize('NFKD').replace(/\p{M}+/gu, ''), SPECIAL_ASCII[ch] ?? ''];
  for (const c of candidates) {
    if (c.length > 0 && Array.from(c).every((x) => covers(x.codePointAt(0)!))) return c;
  }
  return covers(0x3f) ? '?' : '';
}
