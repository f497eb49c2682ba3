import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { csvCell, csvRow } from '../../server/audit/csv.js';
import { parseCsv } from '../support/csv.js';

let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
});
afterEach(() => t.close());

type Event = { seq: number; at: string; actorId: string; action: string; decision: string; subjectType: string; subjectId: string };
const trail = async (query: string) => {
  const res = await deal.counsel.get(`${deal.roomPath}/audit?${query}`);
  expect(res.status).toBe(200);
  return res.body as { items: Event[]; nextCursor: string | null };
};

describe('the room audit trail', () => {
  it('pages newest first with limit and before, or with the opaque cursor', async () => {
    const first = await trail('limit=5');
    expect(first.items).toHaveLength(5);
    const seqs = first.items.map((e) => e.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    const older = await trail(`limit=5&before=${seqs[4]}`);
    expect(older.items[0].seq).toBeLessThan(seqs[4]);
    const viaCursor = await trail(`limit=5&cursor=${first.nextCursor}`);
    expect(viaCursor.items.map((e) => e.seq)).toEqual(older.items.map((e) => e.seq));
  });

  it('filters by actor, action, decision and document', async () => {
    const buyerA = await deal.login('buyerA');
    await buyerA.get(`/api/documents/${deal.docs.finance.id}/content`);
    expect((await buyerA.get(`${deal.roomPath}/audit`)).status).toBe(403); // a refusal inside the room
    const byActor = await trail(`actorId=${deal.users.buyerA.id}`);
    expect(byActor.items.length).toBeGreaterThan(0);
    expect(byActor.items.every((e) => e.actorId === deal.users.buyerA.id)).toBe(true);
    const downloads = await trail('action=document.download');
    expect(downloads.items.map((e) => e.subjectId)).toEqual([deal.docs.finance.id]);
    const denied = await trail('decision=deny');
    expect(denied.items.map((e) => [e.action, e.actorId, e.decision])).toEqual([['audit.read', deal.users.buyerA.id, 'deny']]);
    const ofPayroll = await trail(`documentId=${deal.docs.payroll.id}`);
    expect(ofPayroll.items.map((e) => e.action)).toEqual(['document.create']);
  });

  it('filters by a time range, from inclusive and to exclusive', async () => {
    const all = (await trail('limit=1000')).items;
    const middle = all[Math.floor(all.length / 2)];
    const from = await trail(`limit=1000&from=${encodeURIComponent(middle.at)}`);
    expect(from.items.every((e) => e.at >= middle.at)).toBe(true);
    expect(from.items.map((e) => e.seq)).toContain(middle.seq);
    const to = await trail(`limit=1000&to=${encodeURIComponent(middle.at)}`);
    expect(to.items.every((e) => e.at < middle.at)).toBe(true);
    expect(from.items.length + to.items.length).toBe(all.length + 1); // the audit.read of the first call
  });

  it('names the field of a bad filter', async () => {
    const res = await deal.counsel.get(`${deal.roomPath}/audit?decision=maybe&from=yesterday`);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details).sort()).toEqual(['decision', 'from']);
  });

  it('exports the filtered trail as CSV, with the header row first', async () => {
    const csv = await deal.counsel.get(`${deal.roomPath}/audit?format=csv&action=nda.confirm`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="?audit\.csv"?$/);
    const lines = csv.text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('seq,at,actorId,action,decision,subjectType,subjectId,details,hash');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',nda.confirm,allow,');
  });

  it('exports ids a user typed into a URL, and names they gave, without letting any cell start a formula', async () => {
    // Every formula opener a spreadsheet honours, each as the first character of a cell the caller
    // chooses: a made-up NDA or grant id in the URL is recorded as the refusal's subjectId.
    const hostile = ['=HYPERLINK("http://evil.example","x")', '+SUM(1,1)', '-2+3', '@SUM(A1)', '\t=1+1', '\r=1+1'];
    const buyerA = await deal.login('buyerA');
    for (const id of hostile) {
      expect((await buyerA.post(`${deal.roomPath}/ndas/${encodeURIComponent(id)}/confirm`)).status).toBe(404);
      expect((await deal.manager.delete(`${deal.roomPath}/grants/${encodeURIComponent(id)}`)).status).toBe(404);
    }
    await deal.manager.post(`${deal.roomPath}/folders`, { name: '=HYPERLINK("http://evil.example","click")' });
    const csv = await deal.counsel.get(`${deal.roomPath}/audit?format=csv&limit=1000`);
    const [header, ...rows] = parseCsv(csv.text);
    const subjectIds = rows.map((row) => row[header.indexOf('subjectId')]);
    // Each id is in the export, kept readable behind the apostrophe that disarms it.
    for (const id of hostile) expect(subjectIds.filter((cell) => cell === `'${id}`)).toHaveLength(2);
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('refuses the room trail to external members, who can see the room, with 403', async () => {
    const buyer = await deal.login('buyerA');
    expect((await buyer.get(`${deal.roomPath}/audit`)).status).toBe(403);
    expect((await buyer.get(`${deal.roomPath}/audit?format=csv`)).status).toBe(403);
  });

  it('answers a room the caller cannot see exactly like a room that does not exist', async () => {
    const other = await deal.manager.post('/api/rooms', { name: 'Sale of Eagle', entityIds: [deal.entities.outside.id] });
    expect(other.status).toBe(201);
    const hidden = await deal.counsel.get(`/api/rooms/${other.body.id}/audit`);
    const missing = await deal.counsel.get('/api/rooms/00000000-0000-4000-8000-000000000000/audit');
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual(missing.body);
  });
});

describe('CSV cells', () => {
  it.each(['=HYPERLINK("x")', '+1', '-1+2', '@SUM(A1)', '\t=1', '\r=1', '=1\n'])('never start a formula: %j', (value) => {
    const [cell] = parseCsv(csvRow([value]));
    expect(cell[0]).not.toMatch(/^[=+\-@\t\r]/);
    expect(cell[0]).toBe(`'${value}`);
  });

  it('leaves ordinary values alone and quotes separators', () => {
    expect(csvCell('Project Falcon')).toBe('Project Falcon');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(null)).toBe('');
  });

  it('escapes a formula hidden in a JSON value', () => {
    expect(parseCsv(csvRow([{ name: '=1' }]))[0][0]).toBe('{"name":"=1"}');
    expect(parseCsv(csvRow([-5]))[0][0]).toBe("'-5");
  });
});
