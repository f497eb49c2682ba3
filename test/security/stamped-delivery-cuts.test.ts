import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';
import { appendIncrementalUpdate, onePagePdf, streamBody, textContent } from '../support/handmade-pdf.js';
import {
  carriesStamp,
  cutPoints,
  eofEnds,
  findHiddenText,
  headerEnd,
  inPool,
  lastSectionStart,
  pagesFound,
  qdfText,
  qpdfCheck,
  qpdfPageCount,
  readPages,
  scratchDir,
  seedOf,
  unstampedPages,
} from '../support/pdf-cuts.js';

// database-independent: left out of `npm run test:postgres` (package.json), since what this checks —
// the bytes of stamped files, cut and searched — is the same on either database; the API suites run there.

/*
 * Issue 14: a stamped PDF used to begin with the unstamped upload byte for byte, so `head -c`, a
 * Range request or a recovery tool gave the original back, and trace then blamed whoever
 * downloaded it first. These tests attack a delivery from the outside, through the HTTP API only:
 * cut it at every %%EOF and at seeded random bytes, ask for ranges of it with only `view`, look
 * for an earlier revision's text and for attachments in every decoded stream, and trace what the
 * cuts give.
 */

const CORPUS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus/pdf');
const REFUSED = ['encrypted_new.pdf', 'encrypted_old.pdf', 'invalid_root_ref.pdf', 'missing_xref_trailer_dict.pdf'];
const corpus = fs.readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.pdf') && !REFUSED.includes(f)).sort();
const readCorpus = (name: string) => fs.readFileSync(path.join(CORPUS_DIR, name));

let t: TestApp;
let deal: Deal;
/** Party A's buyer: `download` in the whole room, `original` in Legal. */
let buyer: Client;
/** Party B's buyer: `view` only. */
let viewer: Client;

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'download' });
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, level: 'original' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: null, level: 'view' });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  buyer = await deal.login('buyerA');
  viewer = await deal.login('buyerB');
}, 60_000);
afterAll(() => t?.close());

const tmp = scratchDir('gatehouse-stamped-cuts-');
afterAll(() => tmp.cleanup());

type Folder = 'finance' | 'legal';
async function upload(data: Buffer, name: string, folder: Folder = 'finance') {
  const entityId = folder === 'legal' ? deal.entities.ltd.id : deal.entities.gmbh.id;
  return deal.manager.upload(`${deal.roomPath}/documents`, { data, name }, { folderId: deal.folders[folder].id, entityId, classification: 'standard', personalData: 'none' });
}
async function uploaded(data: Buffer, name: string, folder: Folder = 'finance'): Promise<string> {
  const res = await upload(data, name, folder);
  if (res.status !== 201) throw new Error(`upload of ${name} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id;
}
const content = (client: Client, documentId: string, query = '') => client.get(`/api/documents/${documentId}/content${query}`).buffer(true).parse(binary);
const original = (client: Client, documentId: string) => client.get(`/api/documents/${documentId}/original`).buffer(true).parse(binary);

/** A whole delivery: its bytes and download id, or the test fails with the server's answer. */
async function deliver(client: Client, documentId: string, disposition: 'inline' | 'attachment' = 'attachment') {
  const res = await content(client, documentId, `?disposition=${disposition}`);
  if (res.status !== 200) throw new Error(`content (${disposition}) answered ${res.status}: ${(res.body as Buffer).toString().slice(0, 300)}`);
  return { bytes: res.body as Buffer, downloadId: res.headers['x-download-id'] as string };
}

/** The words of a PDF's text as poppler reads it; none when it cannot. */
function wordsOf(pdf: Buffer, name: string): Set<string> {
  try {
    const text = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', tmp.file(name, pdf), '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
    return new Set(text.split(/\s+/).filter((w) => w.length > 2));
  } catch {
    return new Set();
  }
}

/**
 * (e) The delivery shows the upload's text: a stamp that loses a page's content (a recovered file
 * whose streams were read at the wrong offsets) is no delivery. The stamp's own lines may join a
 * word or two of the page, so a few may read differently.
 */
function lostWords(upload: Buffer, delivery: Buffer): string[] {
  const before = wordsOf(upload, 'words-upload.pdf');
  const after = wordsOf(delivery, 'words-delivery.pdf');
  const lost = [...before].filter((w) => !after.has(w));
  return lost.length > Math.max(2, before.size * 0.05) ? [`(e) ${lost.length} of the upload's ${before.size} words are not in the delivery: ${lost.slice(0, 5).join(' ')}`] : [];
}

/** The upload's pages as qpdf counts them (recovering, as intake may); pdfinfo when qpdf cannot. */
async function pagesOfUpload(pdf: Buffer): Promise<number | undefined> {
  const file = tmp.file('upload.pdf', pdf);
  const n = await qpdfPageCount(file);
  if (n !== undefined) return n;
  try {
    return Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))?.[1]);
  } catch {
    return undefined;
  }
}

/**
 * Everything wrong with one delivery of `upload`, as readable lines (an empty list when it holds):
 * (a) the upload is not in it, nor the upload's first 4 KiB after the header;
 * (b) every prefix ending at a %%EOF has no page any reader finds, or every page stamped;
 * (c) the same at seeded random cut points and at the tail's joints;
 * (d) the whole delivery passes qpdf --check and has the upload's pages, every one stamped.
 */
async function cutViolations(label: string, uploadBytes: Buffer, delivery: Buffer, downloadId: string, opts: { expectedPages?: number } = {}): Promise<string[]> {
  const found: string[] = [];
  if (delivery.indexOf(uploadBytes) >= 0) found.push(`(a) the delivery contains the uploaded bytes at offset ${delivery.indexOf(uploadBytes)}`);
  const h = headerEnd(uploadBytes);
  const chunk = uploadBytes.subarray(h, h + 4096);
  if (chunk.length >= 64 && delivery.indexOf(chunk) >= 0) found.push(`(a) the delivery contains the upload's first ${chunk.length} bytes after its header, at offset ${delivery.indexOf(chunk)}`);

  const whole = tmp.file(`delivery-${seedOf(label)}.pdf`, delivery);
  const wholeChecked = Promise.all([qpdfCheck(whole), qpdfPageCount(whole)]).then(([check, pages]) => {
    const problems: string[] = [];
    if (check.status !== 0) problems.push(`(d) qpdf --check exits ${check.status}: ${check.output.split('\n').filter((l) => /error|warn/i.test(l)).slice(0, 3).join(' | ')}`);
    if (opts.expectedPages !== undefined && pages !== opts.expectedPages) problems.push(`(d) the delivery has ${pages} pages, the upload ${opts.expectedPages}`);
    return problems;
  });

  const eofs = eofEnds(delivery);
  if (eofs.length === 0) found.push('(b) the delivery has no %%EOF at all');
  // Every cut of a big file makes each reader scan it whole: fewer random cuts there, the tail's joints always.
  // pdf.js, the slowest reader, reads the prefixes at each %%EOF; qpdf, poppler and a rebuilt page tree read every cut.
  const counts = delivery.length > 1_000_000 ? { anywhere: 1, inTail: 1, lastObjects: 0 } : { anywhere: 3, inTail: 8, lastObjects: 2 };
  const cuts = [
    ...eofs.map((end) => ({ at: end, what: `(b) prefix at %%EOF ending ${end}/${delivery.length}`, pdfjs: true })),
    ...cutPoints(delivery, seedOf(label), counts).map((at) => ({ at, what: `(c) cut at ${at}/${delivery.length}`, pdfjs: false })),
  ];
  const readings = await inPool(cuts, 2, async (c) => {
    const r = await readPages(delivery.subarray(0, c.at), tmp, { pdfjs: c.pdfjs });
    return unstampedPages(r, downloadId, `${c.what} (${pagesFound(r)} pages)`);
  });
  found.push(...(await wholeChecked), ...readings.flat());
  // Many unstamped pages make one long story; the first lines tell it.
  return found.length > 12 ? [...found.slice(0, 12), `… and ${found.length - 12} more`] : found;
}

/** A PDF pdf-lib writes with a classic cross-reference table, then one incremental update with a new /Info. */
async function withInfoUpdate(text: string, pages: number, info: string): Promise<Buffer> {
  const doc = await PDFDocument.load(await makePdf(text, pages));
  const saved = Buffer.from(await doc.save({ useObjectStreams: false }));
  const next = Number(/\/Size\s+(\d+)/.exec(saved.toString('latin1').slice(saved.lastIndexOf('trailer')))![1]);
  return appendIncrementalUpdate(saved, [{ num: next, body: info }], `/Info ${next} 0 R`);
}

/** Awkward PDFs the project makes itself, each the way a real producer writes one. */
async function generatedPdfs(): Promise<Array<[string, Buffer]>> {
  const base = await makePdf('Awkward delivery Kilimanjaro', 3);
  const viaQpdf = (name: string, ...args: string[]) => {
    const out = tmp.file(`${name}.pdf`);
    execFileSync('qpdf', [...args, tmp.file(`${name}-in.pdf`, base), out]);
    return fs.readFileSync(out);
  };
  return [
    ['object streams (qpdf --object-streams=generate)', viaQpdf('objstm', '--object-streams=generate')],
    ['linearized (qpdf --linearize)', viaQpdf('linearized', '--linearize')],
    ['linearized with object streams', viaQpdf('linearized-objstm', '--linearize', '--object-streams=generate')],
    [
      'an incremental update adding a line to page 1',
      appendIncrementalUpdate(onePagePdf({ content: textContent('First revision Kilimanjaro') }), [
        { num: 3, body: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents [4 0 R 6 0 R] >>' },
        { num: 6, body: streamBody('', textContent('Added by the update', 600)) },
      ]),
    ],
    ['a pdf-lib file with an incremental update rewriting its Info', await withInfoUpdate('Updated info Kilimanjaro', 2, '<< /Title (Second revision) /Producer (an editor) >>')],
  ];
}

describe('a stamped PDF, cut anywhere, gives back no unstamped page', () => {
  it.each(REFUSED)('refuses %s at upload with 422, so it is never delivered', async (name) => {
    const res = await upload(readCorpus(name), name);
    expect([name, res.status]).toEqual([name, 422]);
  });

  it.each(corpus)('%s: the delivery holds neither the upload nor, at any %%%%EOF or cut, an unstamped page', async (name) => {
    const bytes = readCorpus(name);
    const id = await uploaded(bytes, name);
    const { bytes: delivery, downloadId } = await deliver(buyer, id);
    const violations = await cutViolations(name, bytes, delivery, downloadId, { expectedPages: await pagesOfUpload(bytes) });
    violations.push(...lostWords(bytes, delivery));
    expect({ name, violations }).toEqual({ name, violations: [] });
  }, 120_000);

  it('holds for generated awkward PDFs: object streams, linearized, incremental updates', async () => {
    const failures: Record<string, string[]> = {};
    for (const [name, bytes] of await generatedPdfs()) {
      const id = await uploaded(bytes, `${name}.pdf`);
      const { bytes: delivery, downloadId } = await deliver(buyer, id);
      const violations = await cutViolations(name, bytes, delivery, downloadId, { expectedPages: await pagesOfUpload(bytes) });
      if (violations.length) failures[name] = violations;
    }
    expect(failures).toEqual({});
  }, 120_000);
});

/** Every event of the room's ledger about one document, oldest first. */
async function ledgerOf(documentId: string): Promise<Array<{ action: string; decision: string; actorId: string; details: any }>> {
  const events: any[] = [];
  let before: number | null | undefined;
  do {
    const res = await deal.counsel.get(`${deal.roomPath}/audit?limit=1000&documentId=${documentId}${before ? `&before=${before}` : ''}`);
    expect(res.status).toBe(200);
    events.push(...res.body.items);
    before = res.body.nextBefore;
  } while (before);
  return events.reverse();
}

describe('byte ranges answer only bytes of one stamped delivery', () => {
  let documentId: string;
  let uploadBytes: Buffer;
  const range = (client: Client, spec: string, query = '') => content(client, documentId, `?disposition=inline${query}`).set('Range', `bytes=${spec}`);

  beforeAll(async () => {
    // Three pages, then an update: the upload has two %%EOFs, either one a tempting end of a range.
    uploadBytes = await withInfoUpdate('Ranged target Kilimanjaro', 3, '<< /Title (Ranged) >>');
    documentId = await uploaded(uploadBytes, 'ranged.pdf');
  });

  it('never answers a view-only party the upload, an earlier revision of it, or an unstamped page, whatever range it asks', async () => {
    const first = await range(viewer, '0-');
    expect(first.status).toBe(206);
    const total = Number(/\/(\d+)$/.exec(first.headers['content-range'])![1]);
    const base = lastSectionStart(first.body as Buffer);
    const ends = [99, 4095, base - 1, base, base + 1, ...eofEnds(uploadBytes).map((e) => e - 1), uploadBytes.length - 1, uploadBytes.length, uploadBytes.length + 1, total - 1];
    const revisions = eofEnds(uploadBytes).map((e) => uploadBytes.subarray(0, e));
    const seen: Array<{ range: string; status: number; downloadId: string; problems: string[] }> = [];
    for (const end of [...new Set(ends)].filter((e) => e >= 0).sort((a, b) => a - b)) {
      const res = await range(viewer, `0-${end}`);
      const body = res.body as Buffer;
      const downloadId = res.headers['x-download-id'] as string;
      const problems: string[] = [];
      if (body.equals(uploadBytes)) problems.push('the answer is the upload, byte for byte');
      revisions.forEach((r, i) => {
        if (body.indexOf(r) >= 0) problems.push(`the answer contains revision ${i + 1} of the upload (${r.length} bytes)`);
      });
      problems.push(...unstampedPages(await readPages(body, tmp), downloadId, 'the answer'));
      seen.push({ range: `0-${end}`, status: res.status, downloadId, problems });
    }
    const bad = seen.filter((s) => s.status !== 206 || !s.downloadId || s.problems.length);
    expect(bad).toEqual([]);
  }, 120_000);

  it('serves every range of one delivery from its stamped file, the ranges making up one stamped file', async () => {
    const first = await range(viewer, '0-1023');
    expect(first.status).toBe(206);
    const downloadId = first.headers['x-download-id'] as string;
    const total = Number(/\/(\d+)$/.exec(first.headers['content-range'])![1]);
    const whole = await range(viewer, `0-${total - 1}`, `&download=${downloadId}`);
    expect([whole.status, whole.headers['x-download-id']]).toEqual([206, downloadId]);
    const base = lastSectionStart(whole.body as Buffer);
    const specs = [`0-${base - 1}`, `0-${uploadBytes.length - 1}`, `${base}-${total - 1}`, `1024-${total - 1}`];
    const answers: Record<string, unknown> = {};
    const parts: Buffer[] = [first.body as Buffer];
    for (const spec of specs) {
      const res = await range(viewer, spec, `&download=${downloadId}`);
      const body = res.body as Buffer;
      answers[spec] = {
        status: res.status,
        sameDownload: res.headers['x-download-id'] === downloadId,
        holdsUpload: body.indexOf(uploadBytes) >= 0,
        unstamped: unstampedPages(await readPages(body, tmp), downloadId, spec),
      };
      if (spec.startsWith('1024-')) parts.push(body);
    }
    expect(answers).toEqual(Object.fromEntries(specs.map((s) => [s, { status: 206, sameDownload: true, holdsUpload: false, unstamped: [] }])));
    // The pieces a viewer fetched make up one stamped file, as safe to cut as a whole delivery.
    const assembled = Buffer.concat(parts);
    expect(assembled.equals(whole.body as Buffer)).toBe(true);
    expect(await cutViolations('assembled ranges', uploadBytes, assembled, downloadId)).toEqual([]);
  }, 120_000);

  it('refuses with 400 to continue another user’s delivery, and records every range request, refused ones too', async () => {
    const first = await range(viewer, '0-1023');
    expect(first.status).toBe(206);
    const downloadId = first.headers['x-download-id'] as string;
    const resumed = ['1024-2047', '2048-', '0-99'];
    for (const spec of resumed) expect([spec, (await range(viewer, spec, `&download=${downloadId}`)).status]).toEqual([spec, 206]);

    const theirs = await range(buyer, '0-99');
    expect(theirs.status).toBe(206);
    const foreignId = theirs.headers['x-download-id'] as string;
    const refused = await range(viewer, `0-${uploadBytes.length - 1}`, `&download=${foreignId}`);
    expect(refused.status).toBe(400);
    expect((refused.body as Buffer).indexOf(uploadBytes.subarray(0, 64))).toBe(-1);

    const events = await ledgerOf(documentId);
    const mine = events.filter((e) => e.details?.downloadId === downloadId && e.actorId === deal.users.buyerB.id);
    expect({ downloadId, allowed: mine.filter((e) => e.decision === 'allow').length, actions: mine.every((e) => /^document\.view/.test(e.action)) }).toEqual({
      downloadId,
      allowed: 1 + resumed.length,
      actions: true,
    });
    const attempt = events.filter((e) => e.actorId === deal.users.buyerB.id && e.details?.downloadId === foreignId);
    expect(attempt.map((e) => e.decision)).toEqual(['deny']);
  }, 60_000);

  it('gives a view-only party neither an attachment nor the original', async () => {
    const attachment = await content(viewer, documentId, '?disposition=attachment');
    const orig = await original(viewer, documentId).set('Range', `bytes=0-${uploadBytes.length - 1}`);
    for (const res of [attachment, orig]) {
      expect([403, 404]).toContain(res.status);
      expect((res.body as Buffer).indexOf(uploadBytes.subarray(0, 256))).toBe(-1);
    }
  });
});

describe('Office documents and text, delivered through their PDF renditions', () => {
  const files: Array<[string, () => Buffer]> = [];
  const office = scratchDir('gatehouse-office-');
  afterAll(() => office.cleanup());
  beforeAll(() => {
    fs.writeFileSync(office.file('memo.txt'), 'Board memo: the disposal of Falcon GmbH at 41.5 million.\nSecond paragraph of the memo.\n');
    execFileSync('soffice', [`-env:UserInstallation=file://${office.file('profile')}`, '--headless', '--convert-to', 'docx', '--outdir', office.file(''), office.file('memo.txt')], { stdio: 'ignore' });
  }, 90_000);
  files.push(['memo.docx', () => fs.readFileSync(office.file('memo.docx'))]);
  files.push(['notes.txt', () => Buffer.from('Management notes on Falcon Ltd.\nThe buyer list is confidential.\n')]);

  it.each(files)('%s: no prefix, cut or range of its stamped PDF has an unstamped page', async (name, read) => {
    const bytes = read();
    const id = await uploaded(bytes, name);
    const { bytes: delivery, downloadId } = await deliver(buyer, id);
    const text = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', tmp.file('office.pdf', delivery), '-'], { encoding: 'utf8' });
    expect([text.includes(name === 'memo.docx' ? 'Board memo' : 'Management notes'), carriesStamp(text, downloadId)]).toEqual([true, true]);
    const violations = await cutViolations(name, bytes, delivery, downloadId);
    expect({ name, violations }).toEqual({ name, violations: [] });

    // A view-only party's ranges: up to the base, just past it, the whole file.
    const viewed = await content(viewer, id, '?disposition=inline').set('Range', 'bytes=0-');
    expect(viewed.status).toBe(206);
    const base = lastSectionStart(viewed.body as Buffer);
    for (const end of [base - 1, base, base + 200]) {
      const res = await content(viewer, id, '?disposition=inline').set('Range', `bytes=0-${end}`);
      expect([name, end, res.status]).toEqual([name, end, 206]);
      expect([name, end, unstampedPages(await readPages(res.body as Buffer, tmp), res.headers['x-download-id'], `range 0-${end}`)]).toEqual([name, end, []]);
    }
  }, 120_000);
});

describe('what an upload carried besides its current pages is not delivered', () => {
  const SECRET = 'SECRET-PRICE-4711';
  const redactedPage = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>';
  const redactions: Array<[string, Buffer]> = [
    [
      'a new content object (the old one orphaned)',
      appendIncrementalUpdate(onePagePdf({ content: textContent(`Offer price ${SECRET}`) }), [
        { num: 3, body: redactedPage },
        { num: 6, body: streamBody('', textContent('Offer price REDACTED')) },
      ]),
    ],
    [
      'the same content object rewritten (the old one deflated)',
      appendIncrementalUpdate(onePagePdf({ content: streamBody('', textContent(`Offer price ${SECRET}`), { deflate: true }) }), [
        { num: 4, body: streamBody('', textContent('Offer price REDACTED'), { deflate: true }) },
      ]),
    ],
  ];

  it.each(redactions)('a "redaction" saved as an update that replaced %s: the hidden text is in no delivery', async (_name, pdf) => {
    // The fixture is what it claims: the text is still underneath, in the upload.
    expect(findHiddenText(pdf, SECRET, tmp).length).toBeGreaterThan(0);
    const id = await uploaded(pdf, 'redacted.pdf');
    const deliveries = [await deliver(buyer, id, 'attachment'), await deliver(buyer, id, 'inline'), await deliver(viewer, id, 'inline')];
    for (const d of deliveries) {
      expect({ downloadId: d.downloadId, foundIn: findHiddenText(d.bytes, SECRET, tmp) }).toEqual({ downloadId: d.downloadId, foundIn: [] });
      // Nor in any part of it that a cut would give.
      for (const end of eofEnds(d.bytes)) expect(findHiddenText(d.bytes.subarray(0, end), SECRET, tmp)).toEqual([]);
      const text = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', tmp.file('redacted-delivery.pdf', d.bytes), '-'], { encoding: 'utf8' });
      expect(text).toContain('Offer price REDACTED');
      expect(carriesStamp(text, d.downloadId)).toBe(true);
    }
  });

  it('an embedded file (pdf-lib attach) is in no delivery', async () => {
    const ATTACHED = 'ATTACHED-BID-MODEL-5521: EBITDA 12.7, walk-away 38.0';
    const doc = await PDFDocument.load(await makePdf('Has an attachment', 1));
    await doc.attach(Buffer.from(ATTACHED), 'bid-model.txt', { mimeType: 'text/plain', description: 'Bid model' });
    const pdf = Buffer.from(await doc.save());
    expect(findHiddenText(pdf, ATTACHED, tmp).length).toBeGreaterThan(0);
    const id = await uploaded(pdf, 'with-attachment.pdf');
    for (const d of [await deliver(buyer, id, 'attachment'), await deliver(viewer, id, 'inline')]) {
      expect(findHiddenText(d.bytes, ATTACHED, tmp)).toEqual([]);
      const keys = qdfText(d.bytes, tmp);
      expect({ embeddedFiles: keys.includes('/EmbeddedFiles'), ef: /\/EF\b/.test(keys) }).toEqual({ embeddedFiles: false, ef: false });
      expect(carriesStamp(execFileSync('pdftotext', ['-raw', tmp.file('attached.pdf', d.bytes), '-'], { encoding: 'utf8' }), d.downloadId)).toBe(true);
    }
  });

  it('a file attachment annotation’s file, a page thumbnail and PieceInfo are in no delivery', async () => {
    const ANNOTATED = 'ANNOTATION-ATTACHMENT-8830 side letter';
    const THUMB = 'THUMBNAIL-PIXELS-6262-unstamped-page-image';
    const PIECE = 'PIECEINFO-PRIVATE-3141';
    const pdf = onePagePdf({
      content: textContent('Page with extras'),
      page: `/Annots [6 0 R] /Thumb 9 0 R /PieceInfo << /Gatehouse << /LastModified (D:20240101000000Z) /Private (${PIECE}) >> >> /LastModified (D:20240101000000Z)`,
      catalog: `/PieceInfo << /Gatehouse << /LastModified (D:20240101000000Z) /Private (${PIECE}) >> >>`,
      extra: [
        { num: 6, body: '<< /Type /Annot /Subtype /FileAttachment /Rect [72 600 92 620] /FS 7 0 R /Contents (side letter) /Name /Paperclip >>' },
        { num: 7, body: '<< /Type /Filespec /F (side-letter.txt) /UF (side-letter.txt) /EF << /F 8 0 R >> >>' },
        { num: 8, body: streamBody('/Type /EmbeddedFile /Subtype /text#2Fplain', ANNOTATED, { deflate: true }) },
        { num: 9, body: streamBody(`/Width ${THUMB.length} /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8`, THUMB) },
      ],
    });
    for (const needle of [ANNOTATED, THUMB, PIECE]) expect([needle, findHiddenText(pdf, needle, tmp).length > 0]).toEqual([needle, true]);
    const id = await uploaded(pdf, 'extras.pdf');
    const d = await deliver(buyer, id);
    for (const needle of [ANNOTATED, THUMB, PIECE]) expect([needle, findHiddenText(d.bytes, needle, tmp)]).toEqual([needle, []]);
    const keys = qdfText(d.bytes, tmp);
    expect({ ef: /\/EF\b/.test(keys), thumb: keys.includes('/Thumb'), pieceInfo: keys.includes('/PieceInfo') }).toEqual({ ef: false, thumb: false, pieceInfo: false });
  });

  it('an XFA form’s packets are in no delivery', async () => {
    const pdf = readCorpus('with_xfa_fields.pdf');
    expect(findHiddenText(pdf, '<xdp:xdp', tmp).length).toBeGreaterThan(0);
    const id = await uploaded(pdf, 'with_xfa_fields.pdf');
    const d = await deliver(buyer, id);
    expect(findHiddenText(d.bytes, '<xdp:xdp', tmp)).toEqual([]);
    expect(/\/XFA\b/.test(qdfText(d.bytes, tmp))).toBe(false);
  });
});

describe('trace tells the truth about a cut, an earlier revision and an original', () => {
  const FIRST = 'Trace draft one Kilimanjaro';
  let documentId: string;
  let uploadBytes: Buffer;
  let stamped: { bytes: Buffer; downloadId: string };
  let viewed: { bytes: Buffer; downloadId: string };
  let originals: string[];
  const trace = (data: Buffer) => deal.counsel.upload(`${deal.roomPath}/trace`, { data, name: 'found-on-a-forum.pdf' });

  beforeAll(async () => {
    uploadBytes = appendIncrementalUpdate(onePagePdf({ content: textContent(FIRST) }), [{ num: 4, body: streamBody('', textContent('Trace final version Kilimanjaro')) }]);
    documentId = await uploaded(uploadBytes, 'traced.pdf', 'legal');
    stamped = await deliver(buyer, documentId, 'attachment');
    viewed = await deliver(viewer, documentId, 'inline');
    const byBuyer = await original(buyer, documentId);
    const byManager = await original(deal.manager, documentId);
    for (const res of [byBuyer, byManager]) {
      if (res.status !== 200) throw new Error(`original answered ${res.status}`);
      expect((res.body as Buffer).equals(uploadBytes)).toBe(true);
    }
    originals = [byBuyer.headers['x-download-id'], byManager.headers['x-download-id']].sort();
  }, 60_000);

  const expectEvidence = (body: any) => {
    expect(typeof body.evidence).toBe('string');
    expect(body.evidence.trim().length).toBeGreaterThan(0);
    expect(body.evidence.length).toBeLessThan(200);
  };
  const recipientIds = (body: any): string[] => (Array.isArray(body.recipients) ? body.recipients.map((r: any) => r.downloadId).sort() : ['(no recipients array)']);

  it('names the one download whose exact bytes these are', async () => {
    const res = await trace(stamped.bytes);
    expect([res.status, res.body.match, res.body.downloadId, res.body.user?.id]).toEqual([200, 'exact', stamped.downloadId, deal.users.buyerA.id]);
    expectEvidence(res.body);
  });

  it('answers the delivery cut at its base as an unstamped copy held by every recipient of a stamped delivery of the version, naming no one', async () => {
    const base = stamped.bytes.subarray(0, lastSectionStart(stamped.bytes));
    const res = await trace(base);
    expect({ status: res.status, match: res.body.match, downloadId: res.body.downloadId, user: res.body.user }).toEqual({ status: 200, match: 'unstamped', downloadId: null, user: null });
    // The base's bytes went out in every stamped delivery, and only there: an original is the upload's bytes.
    expect(recipientIds(res.body)).toEqual([stamped.downloadId, viewed.downloadId].sort());
    expectEvidence(res.body);
  });

  it('answers the upload’s own bytes as an unstamped copy held by its original recipients, never one person’s exact match', async () => {
    const res = await trace(uploadBytes);
    expect({ status: res.status, match: res.body.match, downloadId: res.body.downloadId, user: res.body.user }).toEqual({ status: 200, match: 'unstamped', downloadId: null, user: null });
    expect(recipientIds(res.body)).toEqual(originals);
    for (const r of res.body.recipients) {
      expect(r).toMatchObject({ kind: 'original', user: { id: expect.any(String), email: expect.any(String), name: expect.any(String) }, org: { id: expect.any(String), name: expect.any(String) }, at: expect.any(String) });
    }
    expect(res.body.recipients.map((r: any) => r.user.id).sort()).toEqual([deal.users.buyerA.id, deal.users.manager.id].sort());
    expectEvidence(res.body);
  });

  it('answers the upload cut at its earlier revision’s %%EOF, with or without the end of line after it, as an unstamped copy held by its original recipients', async () => {
    const end = eofEnds(uploadBytes)[0];
    const eof = uploadBytes.lastIndexOf('%%EOF', end) + '%%EOF'.length;
    // The fixture is what it claims: a readable first revision, with its own text.
    expect(execFileSync('pdftotext', [tmp.file('earlier.pdf', uploadBytes.subarray(0, end)), '-'], { encoding: 'utf8' })).toContain(FIRST);
    const answers: Record<string, unknown> = {};
    for (const cut of new Set([end, eof])) {
      const res = await trace(uploadBytes.subarray(0, cut));
      answers[`cut at ${cut}`] = { status: res.status, match: res.body.match, downloadId: res.body.downloadId, user: res.body.user, recipients: recipientIds(res.body), evidence: typeof res.body.evidence };
    }
    const expected = { status: 200, match: 'unstamped', downloadId: null, user: null, recipients: originals, evidence: 'string' };
    expect(answers).toEqual(Object.fromEntries(Object.keys(answers).map((k) => [k, expected])));
  });

  it('does not turn an original held by one recipient alone into an exact match', async () => {
    const alone = await makePdf('Only the manager took this one', 1);
    const id = await uploaded(alone, 'alone.pdf', 'legal');
    await deliver(buyer, id, 'attachment');
    const mine = await original(deal.manager, id);
    expect(mine.status).toBe(200);
    const res = await trace(alone);
    expect({ status: res.status, match: res.body.match, downloadId: res.body.downloadId, user: res.body.user }).toEqual({ status: 200, match: 'unstamped', downloadId: null, user: null });
    expect(recipientIds(res.body)).toEqual([mine.headers['x-download-id']]);
  });

  it('names the download from its tail marker when the copy is cut just after the first stamp form', async () => {
    const marker = stamped.bytes.indexOf('/GatehouseDownloadId');
    const close = marker < 0 ? -1 : stamped.bytes.indexOf(')', marker);
    if (close < 0) throw new Error(`the delivery carries no /GatehouseDownloadId marker; its last 300 bytes: ${JSON.stringify(stamped.bytes.subarray(-300).toString('latin1'))}`);
    const prefix = stamped.bytes.subarray(0, close + 1);
    expect(prefix.subarray(marker, close + 1).toString('latin1')).toContain(stamped.downloadId);
    const res = await trace(prefix);
    expect([res.status, res.body.match, res.body.downloadId]).toEqual([200, 'watermark', stamped.downloadId]);
    expectEvidence(res.body);
  });

  it('answers 404 not_traced for a file that never left the room', async () => {
    const res = await trace(await makePdf('Never delivered from this room', 1));
    expect([res.status, res.body.error?.code]).toEqual([404, 'not_traced']);
  });
});
