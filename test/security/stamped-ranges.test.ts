import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';

/*
 * Byte ranges of stamped content, asked the way download managers, browsers resuming a download and
 * curious bidders ask for them. Whatever the Range header says, the bytes that leave are bytes of
 * one stamped delivery (never a splice of two, never the stored original), the answer is one of
 * 206, 200 or 416 as RFC 9110 defines them, and the ledger has the request.
 */

let t: TestApp;
let deal: Deal;
/** Party A's buyer: `download` in the whole room (below `original`). */
let buyer: Client;
/** Party B's buyer: `view` only. */
let viewer: Client;
let documentId: string;
/** The stored original, as the manager downloads it. */
let original: Buffer;

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'download' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: null, level: 'view' });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  buyer = await deal.login('buyerA');
  viewer = await deal.login('buyerB');
  const up = await deal.manager.upload(
    `${deal.roomPath}/documents`,
    { data: await makePdf('Management accounts of Project Falcon', 4), name: 'accounts.pdf' },
    { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' },
  );
  expect(up.status).toBe(201);
  documentId = up.body.id;
  const res = await deal.manager.get(`/api/documents/${documentId}/original`).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  original = res.body as Buffer;
}, 60_000);
afterAll(() => t?.close());

type Disposition = 'inline' | 'attachment';
function content(client: Client, headers: Record<string, string>, opts: { disposition?: Disposition; resume?: string } = {}) {
  const query = new URLSearchParams({ disposition: opts.disposition ?? 'attachment', ...(opts.resume ? { download: opts.resume } : {}) });
  const req = client.get(`/api/documents/${documentId}/content?${query}`);
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return req.buffer(true).parse(binary);
}

/** The whole of one delivery, fetched again by its id: what every part of it must be cut from. */
async function wholeDelivery(client: Client, downloadId: string, disposition: Disposition = 'attachment'): Promise<Buffer> {
  const res = await content(client, {}, { disposition, resume: downloadId });
  expect(res.status).toBe(200);
  expect(res.headers['x-download-id']).toBe(downloadId);
  return res.body as Buffer;
}

/** The stored original is nowhere in these bytes: not whole, not as the start of them. */
function expectNoOriginal(bytes: Buffer) {
  expect(bytes.equals(original)).toBe(false);
  expect(bytes.indexOf(original)).toBe(-1);
}

/** The ledger's events of this document naming this download id (read as counsel reads them). */
async function ledgerEventsOf(downloadId: string) {
  const res = await deal.counsel.get(`${deal.roomPath}/audit?limit=1000`);
  expect(res.status).toBe(200);
  return (res.body.items as Array<{ action: string; decision: string; subjectId: string; details: Record<string, unknown> }>).filter(
    (e) => e.subjectId === documentId && e.details?.downloadId === downloadId,
  );
}
const lastEventOfDocument = async () => {
  const res = await deal.counsel.get(`${deal.roomPath}/audit?limit=5`);
  return (res.body.items as Array<{ action: string; decision: string; subjectId: string; details: Record<string, unknown> }>).find((e) => e.subjectId === documentId)!;
};

/** Checks a 206 answer: its Content-Range, and that its bytes are that range of its own delivery. */
async function expectPartOfOneDelivery(client: Client, res: Awaited<ReturnType<typeof content>>, expected: (size: number) => [number, number], disposition: Disposition = 'attachment') {
  expect(res.status).toBe(206);
  const downloadId = res.headers['x-download-id'] as string;
  const whole = await wholeDelivery(client, downloadId, disposition);
  const [start, end] = expected(whole.length);
  expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${whole.length}`);
  expect((res.body as Buffer).equals(whole.subarray(start, end + 1))).toBe(true);
  expectNoOriginal(whole);
  return { downloadId, whole };
}

describe('ranges of a stamped PDF', () => {
  it('answers a suffix range (bytes=-500) with the last 500 bytes of one stamped delivery, ledgered', async () => {
    const res = await content(buyer, { Range: 'bytes=-500' });
    const { downloadId } = await expectPartOfOneDelivery(buyer, res, (size) => [size - 500, size - 1]);
    const events = await ledgerEventsOf(downloadId);
    expect(events.find((e) => e.action === 'document.download')).toMatchObject({ decision: 'allow', details: { range: 'bytes=-500' } });
  });

  it('answers an open range (bytes=100-) with the rest of one stamped delivery, ledgered', async () => {
    const res = await content(buyer, { Range: 'bytes=100-' });
    const { downloadId } = await expectPartOfOneDelivery(buyer, res, (size) => [100, size - 1]);
    expect((await ledgerEventsOf(downloadId)).find((e) => e.action === 'document.download')).toMatchObject({ decision: 'allow', details: { range: 'bytes=100-' } });
  });

  it('answers a range covering the whole file with the whole stamped delivery, never the original', async () => {
    const res = await content(buyer, { Range: `bytes=0-${original.length - 1}` });
    expect([200, 206]).toContain(res.status);
    expectNoOriginal(res.body as Buffer);
    const whole = await wholeDelivery(buyer, res.headers['x-download-id'] as string);
    expect(whole.subarray(0, (res.body as Buffer).length).equals(res.body as Buffer)).toBe(true);
  });

  it('answers a multi-range request (bytes=0-10,20-30) with the whole of one stamped delivery (200), ledgered', async () => {
    const res = await content(buyer, { Range: 'bytes=0-10,20-30' });
    // RFC 9110 lets a server ignore a multi-range request; what it must not do is mix deliveries.
    expect(res.status).toBe(200);
    expect(res.headers['content-range']).toBeUndefined();
    const downloadId = res.headers['x-download-id'] as string;
    expect((res.body as Buffer).equals(await wholeDelivery(buyer, downloadId))).toBe(true);
    expectNoOriginal(res.body as Buffer);
    expect((await ledgerEventsOf(downloadId)).find((e) => e.action === 'document.download')).toMatchObject({ decision: 'allow', details: { range: 'bytes=0-10,20-30' } });
  });

  it('answers overlapping ranges (bytes=0-10,5-20) as their union of one stamped delivery', async () => {
    const res = await content(buyer, { Range: 'bytes=0-10,5-20' });
    await expectPartOfOneDelivery(buyer, res, () => [0, 20]);
  });

  it.each(['bytes=abc', 'bytes=10-5', 'items=0-10', 'bytes=', 'bytes=--1'])('answers the malformed range %s with 200 and one whole stamped delivery, or 416 with nothing', async (range) => {
    const res = await content(buyer, { Range: range });
    expect([200, 416]).toContain(res.status);
    if (res.status === 416) {
      expect((res.body as Buffer).length).toBe(0);
      return;
    }
    const downloadId = res.headers['x-download-id'] as string;
    expect((res.body as Buffer).equals(await wholeDelivery(buyer, downloadId))).toBe(true);
    expectNoOriginal(res.body as Buffer);
  });

  it('answers an unsatisfiable range with 416, the size, no bytes and no delivery: the register does not count it, the ledger has the refusal', async () => {
    const deliveries = async () => Number((await t.db('downloads').where({ documentId }).count({ n: '*' }))[0].n);
    const before = await deliveries();
    const res = await content(buyer, { Range: 'bytes=99999999-' });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toMatch(/^bytes \*\/\d+$/);
    expect(res.headers['x-download-id']).toBeUndefined();
    expect((res.body as Buffer).length).toBe(0);
    expect(await deliveries()).toBe(before);
    const event = await lastEventOfDocument();
    expect([event.action, event.decision, event.details.range, event.details.reason]).toEqual(['document.download', 'deny', 'bytes=99999999-', 'range not satisfiable']);
  });

  it('answers a resumed download asked past its end with 416 and records no part of it as sent', async () => {
    const first = await content(buyer, { Range: 'bytes=0-99' });
    const downloadId = first.headers['x-download-id'] as string;
    const size = Number(/\/(\d+)$/.exec(first.headers['content-range'] as string)![1]);
    const res = await content(buyer, { Range: `bytes=${size}-` }, { resume: downloadId });
    expect([res.status, res.headers['content-range'], (res.body as Buffer).length]).toEqual([416, `bytes */${size}`, 0]);
    const events = await ledgerEventsOf(downloadId);
    expect(events.filter((e) => e.action === 'document.download.resume').map((e) => e.decision)).toEqual([]);
    expect((await lastEventOfDocument()).decision).toBe('deny');
  });

  it('never resumes another delivery through If-Range: a validator it did not issue gets the whole of a new delivery (200)', async () => {
    // A browser resuming a download sends If-Range with what it holds; Gatehouse issued no such
    // validator, so the bytes it has cannot be continued: it must get a whole file, not the tail of
    // a different stamped copy spliced onto its head.
    const first = await content(buyer, { Range: 'bytes=0-99' });
    expect(first.status).toBe(206);
    for (const ifRange of ['"some-etag"', 'W/"weak"', new Date(Date.now() + 60_000).toUTCString(), `"${first.headers['x-download-id']}"`]) {
      const res = await content(buyer, { Range: 'bytes=100-', 'If-Range': ifRange });
      expect({ ifRange, status: res.status }).toEqual({ ifRange, status: 200 });
      const downloadId = res.headers['x-download-id'] as string;
      expect(downloadId).not.toBe(first.headers['x-download-id']);
      expect((res.body as Buffer).equals(await wholeDelivery(buyer, downloadId))).toBe(true);
    }
  });

  it("resumes a delivery by its id with If-Range carrying that delivery's own ETag (206), and refuses a stale one (200 whole)", async () => {
    const first = await content(buyer, {});
    expect(first.status).toBe(200);
    const downloadId = first.headers['x-download-id'] as string;
    const etag = first.headers.etag as string;
    expect(etag).toBe(`"${downloadId}"`);
    const resumed = await content(buyer, { Range: 'bytes=100-', 'If-Range': etag }, { resume: downloadId });
    await expectPartOfOneDelivery(buyer, resumed, (size) => [100, size - 1]);
    expect(resumed.headers['x-download-id']).toBe(downloadId);
    const stale = await content(buyer, { Range: 'bytes=100-', 'If-Range': '"0000000000AB"' }, { resume: downloadId });
    expect(stale.status).toBe(200);
    expect((stale.body as Buffer).equals(first.body as Buffer)).toBe(true);
  });

  it('gives a view-only party ranges of its own stamped view, and neither ranges nor whole of the original', async () => {
    const part = await content(viewer, { Range: 'bytes=0-1023' }, { disposition: 'inline' });
    await expectPartOfOneDelivery(viewer, part, () => [0, 1023], 'inline');
    const download = await content(viewer, { Range: 'bytes=0-1023' });
    expect(download.status).toBe(403);
    for (const range of [undefined, 'bytes=0-1023', 'bytes=-500']) {
      const req = viewer.get(`/api/documents/${documentId}/original`);
      if (range) req.set('Range', range);
      const res = await req.buffer(true).parse(binary);
      expect({ range, status: res.status }).toEqual({ range, status: 403 });
      expect((res.body as Buffer).indexOf(original.subarray(0, 64))).toBe(-1);
    }
  });

  it("refuses ranges of another user's delivery, whatever the Range header", async () => {
    const mine = await content(buyer, { Range: 'bytes=0-99' });
    const downloadId = mine.headers['x-download-id'] as string;
    for (const range of ['bytes=0-99', 'bytes=-500', 'bytes=0-10,20-30']) {
      const res = await content(viewer, { Range: range }, { disposition: 'attachment', resume: downloadId });
      expect([403, 400]).toContain(res.status);
      expect((res.body as Buffer).length).toBeLessThan(1000);
    }
  });
});

describe('ranges of a stamped image', () => {
  it('ignores Range on an image (no partial stamping): 200 with the whole stamped picture', async () => {
    const sharp = (await import('sharp')).default;
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#eef' } }).png().toBuffer();
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: png, name: 'logo.png' }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });
    expect(up.status).toBe(201);
    for (const range of ['bytes=0-10', 'bytes=-500', 'bytes=0-10,20-30', 'bytes=99999999-']) {
      const res = await buyer.get(`/api/documents/${up.body.id}/content`).set('Range', range).buffer(true).parse(binary);
      expect({ range, status: res.status }).toEqual({ range, status: 200 });
      expect((res.body as Buffer).equals(png)).toBe(false);
      expect(res.headers['content-type']).toBe('image/png');
      expect(await t.db('downloads').where({ id: res.headers['x-download-id'] }).first()).toBeTruthy();
    }
  });
});
