import { PDFDocument, StandardFonts } from 'pdf-lib';
import { substitute, type StampFont } from './fonts.js';

/** Helvetica (a standard font: WinAnsi, nothing embedded) or one of the installed fonts. */
export type StampFace = 'helvetica' | StampFont;

/** Part of a line shown in one face. */
export interface PickedRun {
  text: string;
  face: StampFace;
}

let helveticaSet: Promise<ReadonlySet<number>> | undefined;

/** The code points Helvetica can show: the same for every document, read once per process. */
export function helveticaCodePoints(): Promise<ReadonlySet<number>> {
  helveticaSet ??= PDFDocument.create().then(async (doc) => new Set((await doc.embedFont(StandardFonts.Helvetica)).getCharacterSet()));
  return helveticaSet;
}

/**
 * Chooses the faces of the stamp's lines. Helvetica keeps the common case small; an installed font
 * is embedded (as a subset) only for what WinAnsi cannot encode.
 */
export class FontPicker {
  constructor(
    private readonly fonts: StampFont[],
    private readonly helvetica: ReadonlySet<number>,
  ) {}

  private covers(face: StampFace, cp: number): boolean {
    return face === 'helvetica' ? this.helvetica.has(cp) : face.covers(cp);
  }

  /**
   * A line in one face when one covers it all — Helvetica first, else the first installed font
   * that does — so a name reads in one typeface; otherwise character by character.
   */
  wholeLine(text: string): PickedRun[] {
    const codePoints = Array.from(text, (c) => c.codePointAt(0)!);
    if (codePoints.every((cp) => this.helvetica.has(cp))) return [{ text, face: 'helvetica' }];
    const full = this.fonts.find((f) => codePoints.every((cp) => f.covers(cp)));
    return full ? [{ text, face: full }] : this.byCharacter(text, 'keep');
  }

  /**
   * Each character in the face of the run before it where that has it (`keep`: a word stays in one
   * typeface) or in Helvetica where it can be (`helvetica`: for a line holding what changes at each
   * delivery — the time and the download id, ASCII — so they never land in an embedded subset);
   * else the first installed font that has it, else substituted (Ł → L, then '?'). A line mixing
   * scripts (Łukasz 张伟) comes out right where no one installed font covers every script.
   */
  byCharacter(text: string, prefer: 'keep' | 'helvetica'): PickedRun[] {
    const runs: PickedRun[] = [];
    for (const ch of Array.from(text)) {
      const cp = ch.codePointAt(0)!;
      const last = runs[runs.length - 1];
      let face: StampFace;
      let shown = ch;
      if (prefer === 'keep' && last && this.covers(last.face, cp)) face = last.face;
      else if (this.helvetica.has(cp)) face = 'helvetica';
      else if (last && this.covers(last.face, cp)) face = last.face;
      else {
        const f = this.fonts.find((x) => x.covers(cp));
        if (f) face = f;
        else {
          face = last?.face ?? 'helvetica';
          shown = substitute(ch, (c) => this.covers(face, c));
        }
      }
      if (last && last.face === face) last.text += shown;
      else runs.push({ text: shown, face });
    }
    return runs;
  }
}
