import ExcelJS from 'exceljs';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { binary } from '../support/binary.js';
import { buildQuestionDeal, type QuestionDeal } from '../support/question-deal.js';

let t: TestApp;
let deal: QuestionDeal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildQuestionDeal(t);
});
afterEach(() => t.close());

const q = (id: string, tail = '') => `/api/questions/${id}${tail}`;

describe('POST /api/rooms/:roomId/questions', () => {
  it('lets a covered member ask, numbering within their party: 1, 2… for A, 1 again for B', async () => {
    const res = await deal.buyerA.post(deal.questionsPath, { subject: 'Churn', body: 'What was it?', documentId: deal.docs.finance.id, priority: 'high' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['body', 'closedAt', 'createdAt', 'createdBy', 'documentId', 'faq', 'id', 'number', 'priority', 'roomId', 'status', 'subject'].sort());
    expect(res.body).toMatchObject({ number: 1, status: 'open', subject: 'Churn', body: 'What was it?', documentId: deal.docs.finance.id, priority: 'high', faq: false });
    expect((await deal.ask(deal.advisorA)).number).toBe(2);
    expect((await deal.ask(deal.buyerB)).number).toBe(1);
    expect((await deal.ask(deal.buyerA)).number).toBe(3);
  });

  it('defaults the priority to normal and keeps HTML as text', async () => {
    const res = await deal.buyerA.post(deal.questionsPath, { subject: '<script>alert(1)</script>', body: '<img src=x onerror=alert(1)>' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ priority: 'normal', subject: '<script>alert(1)</script>', body: '<img src=x onerror=alert(1)>', documentId: null });
  });

  it('refuses a member without NDA coverage with 403 nda_required, staff and experts with 403 forbidden', async () => {
    const counsel = deal.counsel;
    const ndas = (await counsel.get(`${deal.roomPath}/ndas`)).body.items as Array<{ id: string; orgId: string }>;
    const betaNda = ndas.find((n) => n.orgId === deal.orgs.beta.id)!;
    expect((await counsel.post(`${deal.roomPath}/ndas/${betaNda.id}/terminate`, { reason: 'ended' })).status).toBe(200);
    const uncovered = await deal.buyerB.post(deal.questionsPath, { subject: 's', body: 'b' });
    expect(uncovered.status).toBe(403);
    expect(uncovered.body.error.code).toBe('nda_required');
    expect((await deal.buyerB.get(deal.questionsPath)).body.error.code).toBe('nda_required');
    for (const staff of [deal.manager, deal.expert]) {
      const res = await staff.post(deal.questionsPath, { subject: 's', body: 'b' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
  });

  it('answers 403 room_closed to members once the room is closed, from the list and from asking', async () => {
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
    for (const res of [await deal.buyerA.post(deal.questionsPath, { subject: 's', body: 'b' }), await deal.buyerA.get(deal.questionsPath)]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('room_closed');
    }
    // Staff still read the record.
    expect((await deal.manager.get(deal.questionsPath)).status).toBe(200);
  });

  it.each([
    ['an empty subject', { subject: '  ', body: 'b' }, 'subject'],
    ['a missing body', { subject: 's' }, 'body'],
    ['a subject over 300 characters', { subject: 'x'.repeat(301), body: 'b' }, 'subject'],
    ['a body over 20,000 characters', { subject: 's', body: 'x'.repeat(20_001) }, 'body'],
    ['an unknown priority', { subject: 's', body: 'b', priority: 'urgent' }, 'priority'],
    ['a field it does not take', { subject: 's', body: 'b', partyId: 'x' }, 'partyId'],
    ['a number it does not take', { subject: 's', body: 'b', number: 7 }, 'number'],
  ])('refuses %s with 400 naming the field', async (_what, body, field) => {
    const res = await deal.buyerA.post(deal.questionsPath, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(Object.keys(res.body.error.details)).toContain(field);
    expect((await deal.manager.get(deal.questionsPath)).body.items).toHaveLength(0);
  });

  it('refuses a 1 MB body with 413 and stores nothing', async () => {
    const res = await deal.buyerA.post(deal.questionsPath, { subject: 's', body: 'x'.repeat(1_100_000) });
    expect(res.status).toBe(413);
    expect((await deal.manager.get(deal.questionsPath)).body.items).toHaveLength(0);
  });

  it("refuses a documentId the asker may not view with the same 400 as a random id: hidden, another room's, unknown", async () => {
    const otherRoom = (await deal.manager.post('/api/rooms', { name: 'Other', entityIds: [deal.entities.gmbh.id] })).body.id as string;
    expect(otherRoom).toBeTruthy();
    const answers: Array<{ status: number; body: unknown }> = [];
    // The last: a real id one character off (never the id itself, which the asker may view).
    for (const documentId of [deal.docs.legal.id, 'no-such-document', deal.docs.finance.id.replace(/.$/, (c) => (c === '0' ? '1' : '0'))]) {
      const res = await deal.buyerA.post(deal.questionsPath, { subject: 's', body: 'b', documentId });
      answers.push({ status: res.status, body: res.body });
    }
    expect(answers[0]).toEqual({ status: 400, body: { error: { code: 'invalid_request', message: 'Invalid fields: documentId.', details: { documentId: expect.any(String) } } } });
    expect(answers.every((a) => JSON.stringify(a) === JSON.stringify(answers[0]))).toBe(true);
    // B may view nothing: finance.pdf is as unknown to B as a made-up id.
    const b = await deal.buyerB.post(deal.questionsPath, { subject: 's', body: 'b', documentId: deal.docs.finance.id });
    expect({ status: b.status, body: b.body }).toEqual(answers[0]);
  });

  it("stops a party at the room's questionLimitPerParty with 409 question_limit, counting only its own questions", async () => {
    const patched = await deal.manager.patch(deal.roomPath, { questionLimitPerParty: 2 });
    expect(patched.status).toBe(200);
    expect(patched.body.questionLimitPerParty).toBe(2);
    await deal.ask(deal.buyerA);
    const second = await deal.ask(deal.advisorA);
    await deal.manager.post(q(second.id, '/close'));
    const third = await deal.buyerA.post(deal.questionsPath, { subject: 's', body: 'b' });
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe('question_limit');
    // Closing one gives no room for another; B is not counted against A.
    expect((await deal.ask(deal.buyerB)).number).toBe(1);
    expect((await deal.buyerA.get(deal.roomPath)).body.questionLimitPerParty).toBe(2);
    expect((await deal.manager.patch(deal.roomPath, { questionLimitPerParty: null })).status).toBe(200);
    expect((await deal.ask(deal.buyerA)).number).toBe(3);
    expect((await deal.manager.patch(deal.roomPath, { questionLimitPerParty: 0 })).body.error.details).toHaveProperty('questionLimitPerParty');
  });
});

describe('GET /api/rooms/:roomId/questions and GET /api/questions/:questionId', () => {
  it('shows managers and counsel every question with its party; a member their own without any party id', async () => {
    const a = await deal.ask(deal.buyerA);
    const b = await deal.ask(deal.buyerB);
    for (const staff of [deal.manager, deal.counsel]) {
      const items = (await staff.get(deal.questionsPath)).body.items as Array<{ id: string; partyId: string }>;
      expect(items.map((i) => [i.id, i.partyId])).toEqual([[a.id, deal.parties.A.id], [b.id, deal.parties.B.id]]);
    }
    const own = await deal.buyerA.get(deal.questionsPath);
    expect(own.body).toEqual({ items: [expect.objectContaining({ id: a.id, number: 1 })], nextCursor: null });
    expect(own.body.items[0]).not.toHaveProperty('partyId');
    expect((await deal.advisorA.get(q(a.id))).body).toMatchObject({ id: a.id, subject: 'Customer churn' });
  });

  it('filters by status, and by party for the deal team only', async () => {
    const a = await deal.ask(deal.buyerA);
    await deal.ask(deal.buyerB);
    await deal.manager.post(q(a.id, '/close'));
    expect((await deal.manager.get(`${deal.questionsPath}?status=closed`)).body.items.map((i: { id: string }) => i.id)).toEqual([a.id]);
    expect((await deal.manager.get(`${deal.questionsPath}?partyId=${deal.parties.B.id}`)).body.items).toHaveLength(1);
    const byMember = await deal.buyerA.get(`${deal.questionsPath}?partyId=${deal.parties.A.id}`);
    expect(byMember.status).toBe(400);
    expect(byMember.body.error.details).toHaveProperty('partyId');
    expect((await deal.manager.get(`${deal.questionsPath}?status=sideways`)).status).toBe(400);
  });

  it('pages with limit and cursor', async () => {
    for (let i = 0; i < 3; i++) await deal.ask(deal.buyerA);
    const first = await deal.buyerA.get(`${deal.questionsPath}?limit=2`);
    expect(first.body.items.map((i: { number: number }) => i.number)).toEqual([1, 2]);
    const next = await deal.buyerA.get(`${deal.questionsPath}?limit=2&cursor=${first.body.nextCursor}`);
    expect(next.body).toEqual({ items: [expect.objectContaining({ number: 3 })], nextCursor: null });
  });
});

describe('assign, answer, approve (four eyes), publish, close', () => {
  it('walks a question open → assigned → answer_pending → answered → closed, the party seeing the answer only once approved', async () => {
    const asked = await deal.ask(deal.buyerA);
    const assigned = await deal.manager.post(q(asked.id, '/assign'), { userId: deal.users2.expert.id });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ status: 'assigned', assignedTo: deal.users2.expert.id });

    const answered = await deal.expert.post(q(asked.id, '/answer'), { body: 'Churn was 4 %.', documentIds: [deal.docs.finance.id] });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ status: 'answer_pending', answer: 'Churn was 4 %.', answerDocumentIds: [deal.docs.finance.id] });
    const pending = (await deal.buyerA.get(q(asked.id))).body;
    expect(pending.status).toBe('answer_pending');
    expect(pending).not.toHaveProperty('answer');
    expect(pending).not.toHaveProperty('answerDocumentIds');

    const approved = await deal.manager.post(q(asked.id, '/approve'));
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'answered', approvedBy: deal.users.manager.id });
    const seen = (await deal.buyerA.get(q(asked.id))).body;
    expect(seen).toMatchObject({ status: 'answered', answer: 'Churn was 4 %.', answerDocumentIds: [deal.docs.finance.id] });
    // Who at the seller wrote and approved it is the seller's business.
    for (const field of ['answeredBy', 'approvedBy', 'assignedTo', 'partyId']) expect(seen).not.toHaveProperty(field);

    const closed = await deal.buyerA.post(q(asked.id, '/close'));
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    for (const client of [deal.expert, deal.manager]) {
      const again = await client.post(q(asked.id, '/answer'), { body: 'More.' });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('invalid_state');
    }
    expect((await deal.buyerA.get(q(asked.id))).body.answer).toBe('Churn was 4 %.');
  });

  it('refuses the author of an answer with 403 four_eyes, whoever they are; another manager approves', async () => {
    const asked = await deal.ask(deal.buyerA);
    expect((await deal.manager.post(q(asked.id, '/answer'), { body: 'Mine.' })).status).toBe(200);
    const own = await deal.manager.post(q(asked.id, '/approve'));
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('four_eyes');
    expect((await deal.buyerA.get(q(asked.id))).body.status).toBe('answer_pending');
    const other = await deal.manager2.post(q(asked.id, '/approve'));
    expect(other.status).toBe(200);
    expect(other.body.status).toBe('answered');
  });

  it('refuses approval to counsel, experts and members (403: they see the question), and to an approval without a draft (409)', async () => {
    const asked = await deal.ask(deal.buyerA);
    expect((await deal.manager.post(q(asked.id, '/approve'))).body.error.code).toBe('invalid_state');
    await deal.manager.post(q(asked.id, '/assign'), { userId: deal.users2.expert.id });
    await deal.expert.post(q(asked.id, '/answer'), { body: 'Draft.' });
    for (const client of [deal.counsel, deal.expert, deal.buyerA]) {
      const res = await client.post(q(asked.id, '/approve'));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
  });

  it('assigns only to staff of the room; only managers assign', async () => {
    const asked = await deal.ask(deal.buyerA);
    const outsider = await deal.manager.post(q(asked.id, '/assign'), { userId: deal.users.buyerA.id });
    expect(outsider.status).toBe(400);
    expect(outsider.body.error.details).toHaveProperty('userId');
    expect((await deal.manager.post(q(asked.id, '/assign'), {})).body.error.details).toHaveProperty('userId');
    expect((await deal.buyerA.post(q(asked.id, '/assign'), { userId: deal.users2.expert.id })).status).toBe(403);
    expect((await deal.counsel.post(q(asked.id, '/assign'), { userId: deal.users2.expert.id })).status).toBe(403);
    // Reassigning moves the question from one expert to the other.
    expect((await deal.manager.post(q(asked.id, '/assign'), { userId: deal.users2.expert.id })).status).toBe(200);
    expect((await deal.manager.post(q(asked.id, '/assign'), { userId: deal.users2.expert2.id })).status).toBe(200);
    expect((await deal.expert.get(q(asked.id))).status).toBe(404);
    expect((await deal.expert2.get(q(asked.id))).status).toBe(200);
  });

  it('refuses references to documents the asking party may not view with 409 reference_not_visible naming them', async () => {
    const asked = await deal.ask(deal.buyerA);
    const res = await deal.manager.post(q(asked.id, '/answer'), { body: 'See these.', documentIds: [deal.docs.finance.id, deal.docs.legal.id, 'made-up'] });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'reference_not_visible', details: { documentIds: [deal.docs.legal.id, 'made-up'] } });
    expect((await deal.manager.get(q(asked.id))).body).toMatchObject({ status: 'open', answer: null });
    // The same document is fine for B's question only if B may view it: B may view nothing.
    const b = await deal.ask(deal.buyerB);
    expect((await deal.manager.post(q(b.id, '/answer'), { body: 'See.', documentIds: [deal.docs.finance.id] })).body.error.code).toBe('reference_not_visible');
  });

  it('refuses bad answers with 400 naming the field', async () => {
    const asked = await deal.ask(deal.buyerA);
    expect((await deal.manager.post(q(asked.id, '/answer'), { body: '' })).body.error.details).toHaveProperty('body');
    expect((await deal.manager.post(q(asked.id, '/answer'), { body: 'x'.repeat(20_001) })).body.error.details).toHaveProperty('body');
    expect((await deal.manager.post(q(asked.id, '/answer'), { body: 'ok', documentIds: 'x' })).body.error.details).toHaveProperty('documentIds');
    expect((await deal.manager.post(q(asked.id, '/answer'), { body: 'ok', answeredBy: deal.users2.manager2.id })).body.error.details).toHaveProperty('answeredBy');
    expect((await deal.manager.post(q(asked.id, '/approve'), { approvedBy: 'x' })).status).toBe(400);
  });

  it('publishes an answered question as an FAQ for every covered party, once', async () => {
    const open = await deal.ask(deal.buyerA);
    expect((await deal.manager.post(q(open.id, '/publish'))).body.error.code).toBe('invalid_state');
    const asked = await deal.answered();
    const res = await deal.manager.post(q(asked.id, '/publish'));
    expect(res.status).toBe(200);
    expect(res.body.faq).toBe(true);
    expect((await deal.manager2.post(q(asked.id, '/publish'))).body.error.code).toBe('invalid_state');
    expect((await deal.buyerA.post(q(asked.id, '/publish'))).status).toBe(403);
    const faq = (await deal.buyerB.get(q(asked.id))).body;
    expect(faq).toMatchObject({ id: asked.id, subject: 'Customer churn', body: 'What was the churn in 2025?', answer: 'Churn was 4 %.', faq: true });
    expect((await deal.buyerB.get(deal.questionsPath)).body.items.map((i: { id: string }) => i.id)).toEqual([asked.id]);
    // A closed, answered question can still become an FAQ.
    const closed = await deal.answered();
    await deal.buyerA.post(q(closed.id, '/close'));
    expect((await deal.manager.post(q(closed.id, '/publish'))).status).toBe(200);
  });

  it('publishes an FAQ in a wording that names nobody: other parties read only that, the asker keeps its own', async () => {
    const asked = await deal.ask(deal.buyerA, { subject: 'Alpha lenders: churn', body: 'Our lenders at Alpha Capital need the 2025 churn.' });
    await deal.manager.post(q(asked.id, '/assign'), { userId: deal.users2.expert.id });
    await deal.expert.post(q(asked.id, '/answer'), { body: 'For Alpha: churn was 4 %.' });
    await deal.manager2.post(q(asked.id, '/approve'));
    const wording = { subject: 'Customer churn 2025', body: 'What was the customer churn in 2025?', answer: 'Churn was 4 %.' };
    const res = await deal.manager.post(q(asked.id, '/publish'), wording);
    expect(res.status).toBe(200);
    // The deal team reads both: the question as asked and the FAQ as published.
    expect(res.body).toMatchObject({ subject: 'Alpha lenders: churn', faqSubject: wording.subject, faqBody: wording.body, faqAnswer: wording.answer });
    // Another party: the FAQ's wording as the question itself, nothing of the original, nor that it was reworded.
    const seenByB = (await deal.buyerB.get(q(asked.id))).body;
    expect(seenByB).toEqual({ id: asked.id, roomId: deal.room.id, ...wording, answerDocumentIds: [], faq: true, faqPublishedAt: expect.any(String) });
    const listedForB = JSON.stringify((await deal.buyerB.get(deal.questionsPath)).body);
    expect(listedForB).toContain('Customer churn 2025');
    expect(listedForB).not.toMatch(/Alpha|lenders/);
    // The asking party keeps its question as it asked it.
    expect((await deal.buyerA.get(q(asked.id))).body).toMatchObject({ subject: 'Alpha lenders: churn', body: 'Our lenders at Alpha Capital need the 2025 churn.' });
    const ledger = (await deal.manager.get(`${deal.roomPath}/audit?action=question.publish`)).body.items;
    expect(ledger.find((e: { subjectId: string }) => e.subjectId === asked.id).details.reworded).toEqual(['subject', 'body', 'answer']);
  });

  it.each([
    ['an empty subject', { subject: '' }, 'subject'],
    ['a subject over 300 characters', { subject: 'x'.repeat(301) }, 'subject'],
    ['a field that is not wording', { faqPublishedBy: 'x' }, 'faqPublishedBy'],
  ])('refuses to publish with %s, naming the field, and publishes nothing', async (_what, body, field) => {
    const asked = await deal.answered();
    const res = await deal.manager.post(q(asked.id, '/publish'), body);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toHaveProperty(field);
    expect((await deal.manager.get(q(asked.id))).body.faq).toBe(false);
  });

  it('lets the asking party and managers close; closing twice is 409 invalid_state', async () => {
    const a = await deal.ask(deal.buyerA);
    const b = await deal.ask(deal.buyerA);
    expect((await deal.advisorA.post(q(a.id, '/close'))).body.status).toBe('closed');
    expect((await deal.manager.post(q(b.id, '/close'))).body.status).toBe('closed');
    expect((await deal.buyerA.post(q(a.id, '/close'))).body.error.code).toBe('invalid_state');
    const c = await deal.ask(deal.buyerA);
    await deal.manager.post(q(c.id, '/assign'), { userId: deal.users2.expert.id });
    expect((await deal.expert.post(q(c.id, '/close'))).status).toBe(403);
    expect((await deal.counsel.post(q(c.id, '/close'))).status).toBe(403);
  });

  it('records every step in the ledger', async () => {
    const asked = await deal.answered();
    await deal.manager.post(q(asked.id, '/publish'));
    await deal.buyerA.post(q(asked.id, '/close'));
    const events = (await deal.counsel.get(`${deal.roomPath}/audit?limit=1000`)).body.items as Array<{ action: string; subjectId: string; decision: string }>;
    const mine = events.filter((e) => e.subjectId === asked.id && e.decision === 'allow').map((e) => e.action).reverse();
    expect(mine).toEqual(['question.ask', 'question.assign', 'question.answer', 'question.approve', 'question.publish', 'question.close']);
  });

  it('lets one of two racing approvals win; the other gets 409 and nothing is half-done', async () => {
    const asked = await deal.ask(deal.buyerA);
    await deal.expert.post(q(asked.id, '/answer'), { body: 'x' }).then((r) => expect(r.status).toBe(404)); // not assigned yet
    await deal.manager.post(q(asked.id, '/assign'), { userId: deal.users2.expert.id });
    expect((await deal.expert.post(q(asked.id, '/answer'), { body: 'Draft.' })).status).toBe(200);
    const [one, two] = await Promise.all([deal.manager.post(q(asked.id, '/approve')), deal.manager2.post(q(asked.id, '/approve'))]);
    expect([one.status, two.status].sort()).toEqual([200, 409]);
    expect([one, two].find((r) => r.status === 409)!.body.error.code).toBe('invalid_state');
    const events = (await deal.counsel.get(`${deal.roomPath}/audit?limit=1000`)).body.items as Array<{ action: string; decision: string; subjectId: string }>;
    expect(events.filter((e) => e.subjectId === asked.id && e.action === 'question.approve' && e.decision === 'allow')).toHaveLength(1);
  });
});

describe('exports for staff', () => {
  it('exports CSV with the party for managers, formula-like text escaped', async () => {
    await deal.buyerA.post(deal.questionsPath, { subject: '=HYPERLINK("http://evil")', body: '+1 and @SUM(A1)' });
    const res = await deal.manager.get(`${deal.questionsPath}?format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const [header, row] = res.text.trim().split('\r\n');
    expect(header!.split(',')).toEqual(expect.arrayContaining(['number', 'partyId', 'subject', 'body']));
    expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(row).toContain("'+1 and @SUM(A1)");
    expect(row).toContain(deal.parties.A.id);
  });

  it('exports XLSX', async () => {
    await deal.buyerA.post(deal.questionsPath, { subject: '@cmd', body: 'b' });
    const res = await deal.manager.get(`${deal.questionsPath}?format=xlsx`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(res.body as Buffer).buffer);
    const sheet = workbook.getWorksheet('Questions')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const row = (sheet.getRow(2).values as unknown[]).slice(1);
    expect(row[header.indexOf('subject')]).toBe("'@cmd");
    expect(row[header.indexOf('partyId')]).toBe(deal.parties.A.id);
  });
});
