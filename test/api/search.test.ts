import { randomUUID } from 'node:crypto';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { pdfOfPages } from '../support/scanned-pdf.js';

/**
 * Full-text search (API.md "Search"): the words of every page, found only in documents the caller
 * may view — a word in another party's document, a draft or a withdrawn document reads exactly as
 * a word that exists nowhere.
 */

/** A PDF with one page per text, each in 11-point Helvetica (a text layer pdftotext reads). */
async function pagesPdf(texts: string[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of texts) {
    const page = doc.addPage([595, 842]);
    text.split('\n').forEach((line, i) => page.drawText(line, { x: 50, y: 780 - i * 16, size: 11, font }));
  }
  return Buffer.from(await doc.save());
}

let t: TestApp;
let deal: Deal;
let buyerA: Client;
let buyerB: Client;
const search = (client: Client, q: string, extra = '') => client.get(`${deal.roomPath}/search?q=${encodeURIComponent(q)}${extra}`);

async function upload(folderId: string, name: string, pages: string[], opts: { entityId?: string } = {}) {
  const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await pagesPdf(pages), name }, {
    folderId,
    entityId: opts.entityId ?? deal.entities.gmbh.id,
    classification: 'standard',
    personalData: 'none',
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

let escrow: string;
let legalOnly: string;
let draft: string;
let withdrawn: string;

// A room ranks at most this many of a caller's matching pages (the least allowed), so a test can pass it.
const RANKED_PAGES = 100;

beforeAll(async () => {
  t = await startTestApp({ SEARCH_RANKED_PAGES: String(RANKED_PAGES) });
  deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view' });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  buyerA = await deal.login('buyerA');
  buyerB = await deal.login('buyerB');
  escrow = await upload(deal.folders.finance.id, 'escrow.pdf', [
    'Share purchase agreement, schedule 4.',
    'The indemnity escrow amounts to EUR 4.2 million.\nReleased after eighteen months.',
    'Die Kündigungsfrist beträgt drei Monate.',
  ]);
  // Legal is not party A's: its words must never reach A.
  legalOnly = await upload(deal.folders.legal.id, 'litigation.pdf', ['Pending arbitration with Quetzalcoatl Shipping over demurrage.'], { entityId: deal.entities.ltd.id });
  withdrawn = await upload(deal.folders.finance.id, 'old-forecast.pdf', ['The superseded forecast shows Zanzibar synergies.']);
  expect((await deal.manager.post(`/api/documents/${withdrawn}/withdraw`, { reason: 'superseded' })).status).toBe(200);
  await t.indexText();
  // Uploaded as a draft into A's folder after indexing: its words are indexed, and still hidden from A.
  const room = await deal.manager.patch(deal.roomPath, { uploadsStartAs: 'draft' });
  expect(room.status).toBe(200);
  draft = await upload(deal.folders.finance.id, 'draft-tax.pdf', ['Draft tax memo: Xylophonic restructuring of the holding.']);
  await t.indexText();
}, 120_000);
afterAll(() => t.close());

describe('searching the words of the pages', () => {
  it('finds a word on the page it is on, with the document title, the caller\'s number, a plain snippet and the hit\'s offsets', async () => {
    const res = await search(buyerA, 'escrow');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    const [hit] = res.body.items;
    expect(hit).toMatchObject({ documentId: escrow, title: 'escrow', page: 2 });
    expect(hit.index).toMatch(/^1\.\d+$/);
    expect(hit.snippet).toContain('indemnity escrow amounts');
    expect(hit.snippet).not.toMatch(/[\u0000-\u001f]/);
    expect(hit.highlights).toHaveLength(1);
    const [start, end] = hit.highlights[0];
    expect(hit.snippet.slice(start, end).toLowerCase()).toBe('escrow');
  });

  it('needs every word, keeps quoted words together, and ignores case and accents', async () => {
    expect((await search(buyerA, 'indemnity eighteen')).body.items.map((h: { page: number }) => h.page)).toEqual([2]);
    expect((await search(buyerA, 'indemnity zebra')).body.items).toEqual([]);
    expect((await search(buyerA, '"escrow amounts"')).body.items).toHaveLength(1);
    expect((await search(buyerA, '"amounts escrow"')).body.items).toEqual([]);
    expect((await search(buyerA, 'KÜNDIGUNGSFRIST')).body.items.map((h: { page: number }) => h.page)).toEqual([3]);
    expect((await search(buyerA, 'kundigungsfrist')).body.items.map((h: { page: number }) => h.page)).toEqual([3]);
  });

  // PostgreSQL's text-search parser keeps each of these whole as one token; the searcher types words.
  it('finds a word inside a file name, an e-mail address, a web address, a hyphenated word or a decimal, and marks it there', async () => {
    const annex = await upload(deal.folders.finance.id, 'annex.pdf', [
      'Schedules: quokka-payroll.xlsx and numbat.pdf; questions to hr@wombat-gmbh.example\nor https://vdr.dingo.example/pensions?year=2031 about the 7.25 split.',
      'Anlage Übergabe2 der Archivschlüssel.',
    ]);
    await t.indexText();
    const pagesOf = async (q: string) => (await search(deal.manager, q)).body.items.map((h: { documentId: string; page: number }) => [h.documentId, h.page]);
    for (const q of ['numbat', 'quokka', 'payroll xlsx', '"numbat pdf"', 'wombat', 'gmbh', 'dingo', 'pensions', '2031', '"7 25"', 'ubergabe2']) {
      expect([q, await pagesOf(q)]).toEqual([q, [[annex, q === 'ubergabe2' ? 2 : 1]]]);
    }
    const [hit] = (await search(deal.manager, 'numbat')).body.items;
    expect(hit.snippet).toContain('numbat.pdf;');
    expect(hit.highlights.map(([start, end]: [number, number]) => hit.snippet.slice(start, end))).toEqual(['numbat']);
  });

  it('says textStatus on the document: indexed once extracted', async () => {
    const doc = await buyerA.get(`/api/documents/${escrow}`);
    expect(doc.body.textStatus).toBe('indexed');
  });

  it('shows a document as pending until its text is extracted, and finds its words once it is', async () => {
    await deal.manager.patch(deal.roomPath, { uploadsStartAs: 'published' });
    const later = await upload(deal.folders.finance.id, 'later.pdf', ['Warranty for Marzipan receivables.']);
    expect((await deal.manager.get(`/api/documents/${later}`)).body.textStatus).toBe('pending');
    expect((await search(buyerA, 'marzipan')).body.items).toEqual([]);
    await t.indexText();
    expect((await deal.manager.get(`/api/documents/${later}`)).body.textStatus).toBe('indexed');
    expect((await search(buyerA, 'marzipan')).body.items.map((h: { documentId: string }) => h.documentId)).toEqual([later]);
  });
});

describe('what the caller may not view is not found, and reads as what exists nowhere', () => {
  const nowhere = () => `Nonexistentword${randomUUID().slice(0, 8)}`;

  it.each([
    ['another folder the party is not granted', 'Quetzalcoatl'],
    ['a withdrawn document', 'Zanzibar'],
    ['a draft', 'Xylophonic'],
  ])('a word only in %s', async (_what, word) => {
    const hidden = await search(buyerA, word);
    const absent = await search(buyerA, nowhere());
    expect(hidden.status).toBe(200);
    expect(hidden.body).toEqual({ items: [], nextCursor: null, broad: false });
    expect(hidden.body).toEqual(absent.body);
  });

  it('the deal team finds drafts, withdrawn documents and every folder: they view every document', async () => {
    for (const [word, id] of [['Quetzalcoatl', legalOnly], ['Xylophonic', draft], ['Zanzibar', withdrawn]] as const) {
      expect((await search(deal.manager, word)).body.items.map((h: { documentId: string }) => h.documentId)).toEqual([id]);
    }
  });

  it('an uncovered bidder gets 403 nda_required, whatever the word; a room they are not in is a 404 like a missing one', async () => {
    const uncovered = await search(buyerB, 'escrow');
    expect(uncovered.status).toBe(403);
    expect(uncovered.body.error.code).toBe('nda_required');
    expect((await search(buyerB, nowhere())).body).toEqual(uncovered.body);
    const other = await deal.manager.post('/api/rooms', { name: 'Sale of Eagle', entityIds: [deal.entities.outside.id] });
    const [inOther, missing] = [await buyerA.get(`/api/rooms/${other.body.id}/search?q=escrow`), await buyerA.get(`/api/rooms/${randomUUID()}/search?q=escrow`)];
    expect([inOther.status, missing.status]).toEqual([404, 404]);
    expect(inOther.body).toEqual(missing.body);
  });

  it('a hidden match changes neither the results nor the paging of what is visible', async () => {
    // "Falcon" is on the seeded documents: finance.pdf and payroll.pdf are A's (Finance and its subfolder), legal.pdf is not.
    const all = (await search(deal.manager, 'Project Falcon', '&limit=100')).body.items.map((h: { documentId: string }) => h.documentId).sort();
    expect(all).toEqual([deal.docs.finance.id, deal.docs.payroll.id, deal.docs.legal.id].sort());
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await search(buyerA, 'Project Falcon', `&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((h: { documentId: string }) => h.documentId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([deal.docs.finance.id, deal.docs.payroll.id].sort());
  });
});

describe('a word on more of the caller\'s pages than a search ranks', () => {
  it('ranks the most recently indexed of the caller\'s own pages, says the search is broad, and never counts a hidden page toward it', async () => {
    const pages = (n: number, doc: string) => Array.from({ length: n }, (_, i) => `${doc}, clause ${i + 1}: the ubiquitous provision applies.`);
    const publish = async (id: string) => expect((await deal.manager.post(`${deal.roomPath}/publish`, { documentIds: [id] })).status).toBe(200);
    // Indexed in this order: A's older binder, a larger one A may not view (Legal), A's newer binder.
    const older = await upload(deal.folders.finance.id, 'older-binder.pdf', pages(60, 'Older binder'));
    await publish(older);
    await t.indexText();
    const hidden = await upload(deal.folders.legal.id, 'hidden-binder.pdf', pages(150, 'Hidden binder'), { entityId: deal.entities.ltd.id });
    await publish(hidden);
    await t.indexText();
    const newer = await upload(deal.folders.finance.id, 'newer-binder.pdf', pages(60, 'Newer binder'));
    await publish(newer);
    await t.indexText();

    const hits: Array<{ documentId: string; page: number }> = [];
    let cursor: string | null = null;
    do {
      const res = await search(buyerA, 'ubiquitous provision', `&limit=30${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.broad).toBe(true);
      hits.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    // 120 of A's pages match; the 100 most recently indexed are ranked: all of the newer binder's,
    // the older binder's last 40. Had the hidden binder's 150 pages counted, A would see fewer.
    expect(hits).toHaveLength(RANKED_PAGES);
    expect(hits.filter((h) => h.documentId === newer)).toHaveLength(60);
    expect(hits.filter((h) => h.documentId === older).map((h) => h.page).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => 21 + i));
    expect(hits.some((h) => h.documentId === hidden)).toBe(false);
    // The deal team views all 270: ranked among theirs, the hidden binder's included.
    const team = await search(deal.manager, 'ubiquitous provision', '&limit=100');
    expect(team.body.broad).toBe(true);
    expect(team.body.items.some((h: { documentId: string }) => h.documentId === hidden)).toBe(true);
    // Fewer matching pages than are ranked: not broad.
    expect((await search(buyerA, 'escrow')).body.broad).toBe(false);
  }, 120_000);
});

describe('a new version replaces what is found', () => {
  it("finds the new version's words, never the old version's", async () => {
    const res = await deal.manager.upload(`/api/documents/${escrow}/versions`, { data: await pagesPdf(['Amended: the escrow is replaced by a Walrus guarantee.']), name: 'escrow-v2.pdf' }, {});
    expect(res.status).toBe(201);
    expect((await buyerA.get(`/api/documents/${escrow}`)).body.textStatus).toBe('pending');
    expect((await search(buyerA, 'indemnity')).body.items).toEqual([]);
    await t.indexText();
    expect((await search(buyerA, 'walrus')).body.items.map((h: { documentId: string; page: number }) => [h.documentId, h.page])).toEqual([[escrow, 1]]);
    expect((await search(buyerA, 'indemnity')).body.items).toEqual([]);
  });
});

describe('bad queries get a clear answer, never a 500 or a database error', () => {
  it.each([
    ['FTS syntax', 'escrow NEAR( * ^ : AND OR NOT -'],
    ['tsquery syntax', "escrow & ! <-> :* ' \\"],
    ['an unclosed quote', '"escrow amounts'],
    ['quotes only', '""""'],
    ['emoji only', '🔥💶🚀'],
    ['punctuation only', '!!! ??? ...'],
    ['SQL', "'; drop table documents; --"],
    ['a very long word', 'x'.repeat(400)],
    ['many words', Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ')],
  ])('%s: 200 with a list', async (_what, q) => {
    const res = await search(buyerA, q);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.items)).toBe(true);
  });

  it('an FTS-syntax query still finds its plain words', async () => {
    expect((await search(buyerA, 'walrus* ^(')).body.items).toHaveLength(1);
    expect((await search(buyerA, "'walrus':* &! <->")).body.items).toHaveLength(1);
  });

  it.each([
    ['no q', ''],
    ['an empty q', '?q='],
    ['blank q', '?q=%20%20'],
    ['10,000 characters', `?q=${'a'.repeat(10_000)}`],
    ['a made-up cursor', '?q=escrow&cursor=' + Buffer.from('999999999').toString('base64url')],
    ['a limit of 0', '?q=escrow&limit=0'],
    ['a limit of 1000', '?q=escrow&limit=1000'],
    ['an unknown parameter', '?q=escrow&sort=title'],
  ])('%s: 400 naming the field', async (_what, query) => {
    const res = await buyerA.get(`${deal.roomPath}/search${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(Object.keys(res.body.error.details ?? {})).toHaveLength(1);
  });
});

describe('the ledger', () => {
  it('records each search with its words and how many results it gave', async () => {
    await search(buyerA, 'escrow guarantee');
    const audit = await deal.manager.get(`${deal.roomPath}/audit?action=document.search&limit=5`);
    expect(audit.status).toBe(200);
    const last = audit.body.items.find((e: { details?: { q?: string } }) => e.details?.q === 'escrow guarantee');
    expect(last).toBeDefined();
  });
});

describe('scanned pages', () => {
  it('finds a word that is only on a scanned page (no text layer, read by OCR), on that page', async () => {
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, {
      data: await pdfOfPages([
        { kind: 'text', lines: ['Cover page of the retention schedule.'] },
        { kind: 'scan', lines: ['Schedule 7: the gooseberry holdback secures the warranty claims.', 'Released eighteen months after completion.'] },
      ]),
      name: 'retention-scan.pdf',
    }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });
    expect(res.status).toBe(201);
    expect((await search(buyerA, 'gooseberry')).body.items).toEqual([]);
    await t.indexText();
    expect((await deal.manager.get(`/api/documents/${res.body.id}`)).body.textStatus).toBe('indexed');
    const found = await search(buyerA, 'gooseberry holdback');
    expect(found.body.items.map((h: { documentId: string; page: number }) => [h.documentId, h.page])).toEqual([[res.body.id, 2]]);
    const [start, end] = found.body.items[0].highlights[0];
    expect(found.body.items[0].snippet.slice(start, end).toLowerCase()).toMatch(/^(gooseberry|holdback)$/);
  }, 60_000);
});
