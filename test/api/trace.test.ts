import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';

let t: TestApp;
let deal: Deal;
let leaked: Buffer;
let downloadId: string;

beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  const buyer = await deal.login('buyerA');
  const res = await buyer.get(`/api/documents/${deal.docs.finance.id}/content`).buffer(true).parse(binary);
  leaked = res.body;
  downloadId = res.headers['x-download-id'];
});
afterEach(() => t.close());

const trace = (data: Buffer, client = deal.counsel) => client.upload(`${deal.roomPath}/trace`, { data, name: 'found-on-a-forum.pdf' });

describe('tracing a leaked copy', () => {
  it('names the download from the exact bytes', async () => {
    const res = await trace(leaked);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      downloadId,
      documentId: deal.docs.finance.id,
      match: 'exact',
      user: { id: deal.users.buyerA.id, email: deal.users.buyerA.email },
      org: { id: deal.orgs.alpha.id, name: 'Alpha Capital' },
    });
  });

  it('names the download from the stamp of a copy re-saved by another program', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-trace-'));
    fs.writeFileSync(path.join(dir, 'in.pdf'), leaked);
    execFileSync('qpdf', ['--object-streams=generate', path.join(dir, 'in.pdf'), path.join(dir, 'out.pdf')]);
    const resaved = fs.readFileSync(path.join(dir, 'out.pdf'));
    fs.rmSync(dir, { recursive: true, force: true });
    const res = await trace(resaved);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ downloadId, match: 'watermark' });
  });

  it('answers 404 not_traced for a file that never left the room', async () => {
    const res = await trace(await makePdf('never delivered'));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_traced');
  });

  it('is for managers and counsel: an external member gets 403', async () => {
    const buyer = await deal.login('buyerA');
    expect((await trace(leaked, buyer)).status).toBe(403);
  });
});
