import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';
import { pdfPageCount, pdfText } from '../support/pdf-tools.js';
import { PDFDocument } from 'pdf-lib';
import { Readable } from 'node:stream';
import { prepareRendition } from '../../server/pdf-intake/intake.js';
import { INDEX_FORMAT } from '../../server/watermark/stamp-index.js';
import { appendIncrementalUpdate, onePagePdf, streamBody, textContent } from '../support/handmade-pdf.js';

let t: TestApp;
let deal: Deal;
let buyer: Client;

beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  buyer = await deal.login('buyerA');
});
afterEach(() => t.close());

const fields = () => ({ folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });
const content = (client: Client, documentId: string, query = '') =>
  client.get(`/api/documents/${documentId}/content${query}`).buffer(true).parse(binary);

function qpdfCheckStatus(pdf: Buffer): number | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-delivery-'));
  try {
    fs.writeFileSync(path.join(dir, 'f.pdf'), pdf);
    try {
      execFileSync('qpdf', ['--check', path.join(dir, 'f.pdf')], { stdio: 'ignore' });
      return 0;
    } catch (err) {
      return (err as { status: number | null }).status;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('stamped PDF delivery', () => {
  it('sends a renumbered base and a tail, none of the stored bytes, valid and stamped on every page', async () => {
    const original = await makePdf('Quarterly figures', 4);
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: original, name: 'q.pdf' }, fields());
    const res = await content(buyer, up.body.id);
    expect(res.status).toBe(200);
    const body = res.body as Buffer;
    expect(Number(res.headers['content-length'])).toBe(body.length);
    expect(body.indexOf(original.subarray(0, 64))).toBe(-1);
    expect(body.length - original.length).toBeLessThan(20_000);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(qpdfCheckStatus(body)).toBe(0);
    expect(pdfPageCount(body)).toBe(4);
    const pages = pdfText(body).split('\f').slice(0, 4);
    pages.forEach((p, i) => {
      expect(p).toContain(`Quarterly figures — page ${i + 1}`);
      expect(p).toContain(`Download ${res.headers['x-download-id']}`);
    });
  });

  it('serves byte ranges of one download, every range from the same stamped copy', async () => {
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('Ranges', 3), name: 'r.pdf' }, fields());
    const first = await content(buyer, up.body.id, '?disposition=inline').set('Range', 'bytes=0-99');
    expect(first.status).toBe(206);
    const id = first.headers['x-download-id'];
    const total = Number(/\/(\d+)$/.exec(first.headers['content-range'])![1]);
    const parts: Buffer[] = [first.body as Buffer];
    for (let start = 100; start < total; start += 700) {
      const end = Math.min(total - 1, start + 699);
      const r = await content(buyer, up.body.id, `?disposition=inline&download=${id}`).set('Range', `bytes=${start}-${end}`);
      expect(r.status).toBe(206);
      expect(r.headers['x-download-id']).toBe(id);
      expect(r.headers['content-range']).toBe(`bytes ${start}-${end}/${total}`);
      parts.push(r.body as Buffer);
    }
    const assembled = Buffer.concat(parts);
    expect(assembled.length).toBe(total);
    expect(qpdfCheckStatus(assembled)).toBe(0);
    expect(pdfText(assembled)).toContain(`Download ${id}`);
    // The whole of that same download, fetched again, is byte for byte what the ranges gave.
    const whole = await content(buyer, up.body.id, `?disposition=inline&download=${id}`);
    expect(whole.status).toBe(200);
    expect((whole.body as Buffer).equals(assembled)).toBe(true);
    // One download recorded, however many ranges.
    expect(await t.db('downloads').where({ documentId: up.body.id })).toHaveLength(1);
  });

  it("refuses to resume another user's download, a forged id or another kind, with the same 400", async () => {
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('Mine', 1), name: 'm.pdf' }, fields());
    const mine = await content(buyer, up.body.id, '?disposition=inline');
    const id = mine.headers['x-download-id'];
    const answers = [
      // The manager may view the document, but this download is not theirs.
      await content(deal.manager, up.body.id, `?disposition=inline&download=${id}`),
      await content(buyer, up.body.id, '?disposition=inline&download=7K3M9QX2ZR4D'),
      await content(buyer, up.body.id, `?disposition=attachment&download=${id}`),
      await content(buyer, deal.docs.finance.id, `?disposition=inline&download=${id}`),
    ];
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(JSON.parse((res.body as Buffer).toString()).error.details).toHaveProperty('download');
    }
    const bad = await content(buyer, up.body.id, '?download=not-an-id');
    expect(bad.status).toBe(400);
  });

  it('answers 416 for a range past the end', async () => {
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('Short', 1), name: 's.pdf' }, fields());
    const res = await content(buyer, up.body.id).set('Range', 'bytes=99999999-');
    expect(res.status).toBe(416);
  });

  it('stamps the qpdf-repaired copy of a damaged upload and keeps the original for level original', async () => {
    // A classic cross-reference table, the file cut inside its trailer: no startxref, no %%EOF.
    const whole = Buffer.from(await (await PDFDocument.load(await makePdf('Damaged but readable', 2))).save({ useObjectStreams: false }));
    const damaged = whole.subarray(0, whole.length - 20);
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: damaged, name: 'd.pdf' }, fields());
    expect(up.status).toBe(201);
    const res = await content(buyer, up.body.id);
    expect(res.status).toBe(200);
    expect(qpdfCheckStatus(res.body as Buffer)).toBe(0);
    expect(pdfText(res.body as Buffer)).toContain('Damaged but readable');
    const original = await deal.manager.get(`/api/documents/${up.body.id}/original`).buffer(true).parse(binary);
    expect((original.body as Buffer).equals(damaged)).toBe(true);
  });

  it('traces the exact bytes of a stamped delivery', async () => {
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('Traced', 2), name: 't.pdf' }, fields());
    const res = await content(buyer, up.body.id);
    const traced = await deal.counsel.upload(`${deal.roomPath}/trace`, { data: res.body as Buffer, name: 'leak.pdf' });
    expect(traced.status).toBe(200);
    expect(traced.body).toMatchObject({ downloadId: res.headers['x-download-id'], match: 'exact' });
    // Bytes appended to the copy: no longer exact, still traced by the stamp.
    const appended = Buffer.concat([res.body as Buffer, Buffer.from('\n% appended by someone\n')]);
    const again = await deal.counsel.upload(`${deal.roomPath}/trace`, { data: appended, name: 'leak2.pdf' });
    expect(again.body).toMatchObject({ downloadId: res.headers['x-download-id'], match: 'watermark' });
  });
});

describe('renditions made before page-less bases', () => {
  it('remakes a rendition of the old format on its next delivery: the upload is not sent, the old copy is removed', async () => {
    const original = await makePdf('Made before the change', 2);
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: original, name: 'old.pdf' }, fields());
    const version = await t.db('documentVersions').where({ id: up.body.versionId }).first();
    // A rendition as the previous format kept it: the stored upload itself, with an index beside it.
    const oldIndexKey = `${version.objectKey}.stamp-index.json`;
    await t.store.put(oldIndexKey, Readable.from([Buffer.from('{"format":1}')]));
    await t.db('stampRenditions').where({ versionId: up.body.versionId }).update({ format: 1, objectKey: version.objectKey, indexKey: oldIndexKey, sha256: up.body.sha256 });

    const res = await content(buyer, up.body.id);
    expect(res.status).toBe(200);
    const body = res.body as Buffer;
    expect(body.indexOf(original.subarray(0, 64))).toBe(-1);
    expect(pdfText(body)).toContain(`Download ${res.headers['x-download-id']}`);
    const row = await t.db('stampRenditions').where({ versionId: up.body.versionId }).first();
    expect(Number(row.format)).toBe(INDEX_FORMAT);
    expect(row.objectKey).not.toBe(version.objectKey);
    expect(await t.store.stat(oldIndexKey)).toBeNull();
    // The upload itself stays: it is the version.
    expect((await t.store.stat(version.objectKey))?.size).toBe(original.length);
  });
});

describe('what deliveries leave out, told to the deal team', () => {
  it('tells staff that an earlier revision and an attachment are left out of deliveries, and tells bidders nothing', async () => {
    const first = onePagePdf({
      content: textContent('Purchase price QUOKKA-ZEBRA'),
      catalog: '/Names << /EmbeddedFiles << /Names [(price.xlsx) 6 0 R] >> >>',
      extra: [
        { num: 6, body: '<< /Type /Filespec /F (price.xlsx) /EF << /F 7 0 R >> >>' },
        { num: 7, body: streamBody('/Type /EmbeddedFile', 'Embedded price sheet QUOKKA-ZEBRA') },
      ],
    });
    const updated = appendIncrementalUpdate(first, [{ num: 4, body: streamBody('', textContent('Purchase price withheld')) }]);
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: updated, name: 'redacted.pdf' }, fields());
    expect(up.status).toBe(201);

    const staffView = await deal.manager.get(`/api/documents/${up.body.id}`);
    expect(staffView.body.deliveryNotes).toEqual({ status: 'ready', earlierRevisions: 1, removed: ['attachments'], message: null });
    const listed = await deal.manager.get(`${deal.roomPath}/documents?folderId=${deal.folders.finance.id}`);
    expect(listed.body.items.find((d: { id: string }) => d.id === up.body.id).deliveryNotes.earlierRevisions).toBe(1);

    const bidderView = await buyer.get(`/api/documents/${up.body.id}`);
    expect(bidderView.status).toBe(200);
    expect(bidderView.body).not.toHaveProperty('deliveryNotes');

    const delivered = (await content(buyer, up.body.id)).body as Buffer;
    expect(pdfText(delivered)).toContain('Purchase price withheld');
    expect(pdfText(delivered)).not.toContain('QUOKKA');
    expect(delivered.indexOf('QUOKKA')).toBe(-1);
  });
});

describe('Office documents and text', () => {
  it('converts a document to PDF at upload and stamps that PDF; the native file only at level original', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-office-'));
    try {
      fs.writeFileSync(path.join(dir, 'memo.txt'), 'Board memo: the disposal of Falcon GmbH.\n');
      execFileSync('soffice', [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--convert-to', 'docx', '--outdir', dir, path.join(dir, 'memo.txt')], { stdio: 'ignore' });
      const docx = fs.readFileSync(path.join(dir, 'memo.docx'));
      const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: docx, name: 'memo.docx' }, fields());
      expect(up.status).toBe(201);
      const res = await content(buyer, up.body.id);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toContain('.pdf');
      const text = pdfText(res.body as Buffer);
      expect(text).toContain('Board memo');
      expect(text).toContain(`Download ${res.headers['x-download-id']}`);
      const native = await deal.manager.get(`/api/documents/${up.body.id}/original`).buffer(true).parse(binary);
      expect(createHash('sha256').update(native.body as Buffer).digest('hex')).toBe(createHash('sha256').update(docx).digest('hex'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps an upload when LibreOffice is missing, recording why it cannot be stamped', async () => {
    const key = 'versions/test/notes.txt';
    const stored = await t.store.put(key, (await import('node:stream')).Readable.from([Buffer.from('plain notes\n')]));
    const rendition = await prepareRendition(t.store, { objectKey: key, size: stored.size, sha256: stored.sha256, mimeType: 'text/plain' }, { soffice: '/nonexistent/soffice' });
    expect(rendition).toMatchObject({ status: 'unstampable', reason: 'not_converted' });
    expect(rendition!.message).toMatch(/LibreOffice is not installed/);
  });

  it('answers 422 unstampable, naming the reason, when the rendition could not be made', async () => {
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: Buffer.from('notes\n'), name: 'n.txt' }, fields());
    // As if uploaded on a server without LibreOffice.
    const versionId = (await t.db('documents').where({ id: up.body.id }).first()).currentVersionId;
    await t.db('stampRenditions').where({ versionId }).update({ status: 'unstampable', reason: 'not_converted', message: 'LibreOffice is not installed on the server' });
    const res = await buyer.get(`/api/documents/${up.body.id}/content`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('unstampable');
    expect(res.body.error.message).toMatch(/LibreOffice/);
    expect(await t.db('downloads').where({ documentId: up.body.id }).first()).toBeUndefined();
  });
});
