import { StandardFonts, type PDFDocument, type PDFFont } from 'pdf-lib';
import { substitute, type StampFont } from './fonts.js';

let helveticaSet: Set<number> | undefined;

export interface Run {
  text: string;
  font: PDFFont;
}

/**
 * Helvetica (nothing embedded) for what WinAnsi can encode, which keeps the common case small and
 * leaves the id line in plain ASCII; otherwise the first installed font covering the whole line,
 * else the best-covering one with substitutions for the rest.
 */
export class FontPicker {
  private helvetica?: PDFFont;
  private helveticaCovers?: (cp: number) => boolean;
  private readonly embedded = new Map<StampFont, Promise<PDFFont>>();

  constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: StampFont[],
  ) {}

  async pick(text: string): Promise<Run> {
    const helvetica = await this.standard();
    const covers = this.helveticaCovers!;
    const codePoints = Array.from(text, (c) => c.codePointAt(0)!);
    if (codePoints.every(covers)) return { text, font: helvetica };

    const full = this.fonts.find((f) => codePoints.every((cp) => f.covers(cp)));
    if (full) return { text, font: await this.embed(full) };

    let best: StampFont | undefined;
    let bestCount = codePoints.filter(covers).length;
    for (const f of this.fonts) {
      const n = codePoints.filter((cp) => f.covers(cp)).length;
      if (n > bestCount) [best, bestCount] = [f, n];
    }
    const coversBest = best ? (cp: number) => best.covers(cp) : covers;
    const shown = Array.from(text, (c) => substitute(c, coversBest)).join('');
    return { text: shown, font: best ? await this.embed(best) : helvetica };
  }

  /**
   * A line as runs of one font each: one run when a single font covers it all; otherwise each
   * character in the first font that has it (Helvetica first), so a line mixing scripts (Łukasz
   * 张伟) comes out right where no one installed font covers every script.
   */
  async pickRuns(text: string): Promise<Run[]> {
    const whole = await this.pick(text);
    if (whole.text === text) return [whole];
    const helvetica = await this.standard();
    const runs: Run[] = [];
    for (const ch of Array.from(text)) {
      const cp = ch.codePointAt(0)!;
      const last = runs[runs.length - 1];
      let font: PDFFont;
      let shown = ch;
      if (last && this.fontCovers(last.font, cp)) font = last.font;
      else if (this.helveticaCovers!(cp)) font = helvetica;
      else {
        const f = this.fonts.find((x) => x.covers(cp));
        if (f) font = await this.embed(f);
        else {
          font = last?.font ?? helvetica;
          shown = substitute(ch, (c) => this.fontCovers(font, c));
        }
      }
      if (last && last.font === font) last.text += shown;
      else runs.push({ text: shown, font });
    }
    return runs;
  }

  private readonly coverage = new Map<PDFFont, (cp: number) => boolean>();

  private fontCovers(font: PDFFont, cp: number): boolean {
    const covers = this.coverage.get(font);
    if (covers) return covers(cp);
    return font === this.helvetica ? this.helveticaCovers!(cp) : false;
  }

  private async standard(): Promise<PDFFont> {
    if (!this.helvetica) {
      this.helvetica = await this.doc.embedFont(StandardFonts.Helvetica);
      // The same for every document: computed once per process, not once per stamp.
      helveticaSet ??= new Set(this.helvetica.getCharacterSet());
      const set = helveticaSet;
      this.helveticaCovers = (cp) => set.has(cp);
    }
    return this.helvetica;
  }

  private embed(font: StampFont): Promise<PDFFont> {
    let p = this.embedded.get(font);
    if (!p) {
      // Subset: a full CJK font would add megabytes to every download.
      p = this.doc.embedFont(font.bytes, { subset: true }).then((f) => {
        this.coverage.set(f, (cp) => font.covers(cp));
        return f;
      });
      this.embedded.set(font, p);
    }
    return p;
  }
}
