import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import fontkit from '@pdf-lib/fontkit';
import { stampFonts } from '../watermark/fonts.js';
import type { SignedCertificate } from './certificate.js';

/**
 * The certificate as a PDF for the file: the same content as the signed JSON, laid out for reading,
 * with the JSON's signature and key id printed at the end (the JSON is what a machine checks). Names
 * are people's names in any script: DejaVu Sans where the machine has it (embedded as a subset),
 * Helvetica otherwise, with what it cannot encode replaced.
 */

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;
const SIZE = 9;
const LINE = 12;

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  /** The text as the font can show it. */
  safe(text: string): string;
}

async function loadFonts(doc: PDFDocument): Promise<Fonts> {
  const unicode = (await stampFonts()).find((f) => /DejaVuSans\.ttf$/.test(f.path));
  if (unicode) {
    doc.registerFontkit(fontkit);
    const regular = await doc.embedFont(unicode.bytes, { subset: true });
    return { regular, bold: regular, safe: (t) => [...t].map((c) => (unicode.covers(c.codePointAt(0)!) ? c : '?')).join('') };
  }
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  // WinAnsi: Latin-1 and a few more; anything else is shown as '?', never dropped silently.
  return { regular, bold, safe: (t) => t.replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, '?') };
}

/** Writes lines top to bottom, wrapping long ones and turning pages as they fill. */
class Writer {
  private page: PDFPage;
  private y: number;
  constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: Fonts,
  ) {
    this.page = doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  line(text: string, opts: { bold?: boolean; size?: number; indent?: number } = {}) {
    const font = opts.bold ? this.fonts.bold : this.fonts.regular;
    const size = opts.size ?? SIZE;
    const width = A4[0] - 2 * MARGIN - (opts.indent ?? 0);
    for (const part of this.wrap(this.fonts.safe(text), font, size, width)) {
      if (this.y < MARGIN + LINE) {
        this.page = this.doc.addPage(A4);
        this.y = A4[1] - MARGIN;
      }
      this.page.drawText(part, { x: MARGIN + (opts.indent ?? 0), y: this.y, size, font, color: rgb(0.1, 0.12, 0.14) });
      this.y -= size + (LINE - SIZE);
    }
  }

  gap() {
    this.y -= LINE / 2;
  }

  private wrap(text: string, font: PDFFont, size: number, width: number): string[] {
    const out: string[] = [];
    for (const paragraph of text.split(/\r?\n/)) {
      let current = '';
      for (const word of paragraph.split(' ')) {
        const next = current ? `${current} ${word}` : word;
        if (font.widthOfTextAtSize(next, size) <= width) {
          current = next;
          continue;
        }
        if (current) out.push(current);
        // A word wider than the line (an id, a hash) is cut where it must be.
        let rest = word;
        while (font.widthOfTextAtSize(rest, size) > width) {
          let n = rest.length - 1;
          while (n > 1 && font.widthOfTextAtSize(rest.slice(0, n), size) > width) n -= 1;
          out.push(rest.slice(0, n));
          rest = rest.slice(n);
        }
        current = rest;
      }
      out.push(current);
    }
    return out;
  }
}

export async function certificatePdf(certificate: SignedCertificate): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Return-or-destroy certificate ${certificate.certification.id}`);
  doc.setProducer('Gatehouse');
  doc.setCreator('Gatehouse');
  const fonts = await loadFonts(doc);
  const w = new Writer(doc, fonts);
  const c = certificate.certification;

  w.line('Certificate of return or destruction', { bold: true, size: 16 });
  w.gap();
  w.line(`Data room: ${certificate.room.label}`, { bold: true });
  w.line(`Certification: ${c.id}`);
  w.line(`Requested: ${c.requestedAt} (${c.reason.replace(/_/g, ' ')})`);
  w.line(`Status: ${c.status}`);
  w.gap();
  w.line('Party', { bold: true });
  for (const org of certificate.party.organisations) w.line(`${org.name} (${org.role})`, { indent: 10 });
  w.gap();
  w.line('Members', { bold: true });
  for (const m of certificate.members) {
    const span = m.until ? ` (member until ${m.until})` : '';
    w.line(`${m.name} <${m.email}>, ${m.organisation}${span}`, { indent: 10 });
  }
  w.gap();
  w.line('Certified', { bold: true });
  if (c.certifiedBy && c.certifiedAt) {
    w.line(`by ${c.certifiedBy.name} <${c.certifiedBy.email}> at ${c.certifiedAt}`, { indent: 10 });
    w.line(`Statement: ${c.statement ?? ''}`, { indent: 10 });
  } else {
    w.line('Outstanding: no member has certified yet.', { indent: 10 });
  }
  w.gap();
  w.line(`Copies taken by the party's members (${certificate.downloads.length})`, { bold: true });
  const names = new Map(certificate.members.map((m) => [m.id, m.name]));
  for (const d of certificate.downloads) {
    const index = d.document.index ? `${d.document.index} ` : '';
    w.line(`${d.id}  ${d.at}  ${d.kind}  ${names.get(d.userId) ?? d.userId}`, { indent: 10 });
    w.line(`${index}${d.document.title}, version ${d.version.number}, SHA-256 ${d.version.sha256}`, { indent: 20 });
  }
  w.gap();
  w.line('Signature', { bold: true });
  w.line(`The JSON form of this certificate is signed with Ed25519 by the ledger key ${certificate.signedWith.keyId}.`, { indent: 10 });
  w.line(`Public key (SPKI, base64): ${certificate.signedWith.publicKey}`, { indent: 10 });
  w.line(`Signature (base64): ${certificate.signature}`, { indent: 10 });
  return Buffer.from(await doc.save());
}
